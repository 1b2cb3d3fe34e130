/** The desktop app's lifecycle decisions, as pure functions of its settings. */
import type { DesktopSettings } from '../../../shared/schemas/desktop.js';

/** The argument a login-item start carries: the app starts in the tray, without its window. */
export const HIDDEN_ARG = '--hidden';

export function loginItemSettings(s: Pick<DesktopSettings, 'start-at-login'>): { openAtLogin: boolean; args: string[] } {
  return { openAtLogin: s['start-at-login'], args: [HIDDEN_ARG] };
}

/** Closing the window: hide it to the tray (schedules go on), or quit. */
export function onWindowClose(s: Pick<DesktopSettings, 'close-to-tray'>, quitting: boolean): 'hide' | 'close' {
  return s['close-to-tray'] && !quitting ? 'hide' : 'close';
}

/** Whether this start should show the window: not when the OS started it at login (macOS says so; Windows and Linux pass the argument). */
export function showWindowAtStart(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return !(wasOpenedAtLogin || argv.includes(HIDDEN_ARG));
}

/**
 * Linux has no login-item API: the XDG autostart entry (~/.config/autostart/tidemark.desktop)
 * starts the app hidden. `exec` is the AppImage (APPIMAGE) or the installed binary.
 */
export function autostartDesktopEntry(exec: string): string {
  // Exec quoting: "…" with " ` $ \ backslash-escaped, a literal % as %%; then the spec's general
  // string escapes (\\ \n \t \r) on top, which readers undo first.
  const quoted = `"${exec.replace(/(["`$\\])/g, '\\$1')}"`.replace(/%/g, '%%');
  const value = quoted.replace(/[\\\n\t\r]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c]!);
  return ['[Desktop Entry]', 'Type=Application', 'Name=Tidemark', 'Comment=Aerospike backups on schedule', `Exec=${value} ${HIDDEN_ARG}`, 'Icon=tidemark', 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}
