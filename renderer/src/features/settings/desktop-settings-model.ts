/**
 * The desktop app's settings form: what changed between the saved settings and the form (only
 * that is sent, so a save never overwrites a field another window changed), and the port's
 * validation, worded as the field shows it.
 */
import type { DesktopSettings, DesktopSettingsUpdate } from '../../../../shared/schemas/desktop.js';

export function settingsChange(saved: DesktopSettings, form: DesktopSettings): DesktopSettingsUpdate {
  const change: DesktopSettingsUpdate = {};
  for (const k of ['rest-server', 'rest-port', 'start-at-login', 'close-to-tray'] as const) {
    if (saved[k] !== form[k]) (change as Record<string, unknown>)[k] = form[k];
  }
  const n: NonNullable<DesktopSettingsUpdate['notifications']> = {};
  for (const k of ['job-failed', 'restore-finished'] as const) if (saved.notifications[k] !== form.notifications[k]) n[k] = form.notifications[k];
  if (Object.keys(n).length) change.notifications = n;
  return change;
}

export function portError(port: number | string): string | undefined {
  const n = typeof port === 'number' ? port : Number(port);
  if (port === '' || !Number.isInteger(n)) return 'give a whole number';
  if (n < 1 || n > 65535) return 'a port is 1 to 65535';
  if (n < 1024) return 'ports below 1024 need administrator rights: choose 1024 or more';
  return undefined;
}

/** The command a script would run against the desktop app's REST server. */
export function desktopCurl(port: number): string {
  return `curl -H "Authorization: Bearer $(cat <data folder>/api-token)" http://127.0.0.1:${port}/v1/backups/full`;
}
