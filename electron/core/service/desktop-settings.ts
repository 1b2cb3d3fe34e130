/**
 * The desktop app's settings, read from and written to the config file (`tidemark.desktop`, and
 * `service.http.port` for the REST server's port, which `tidemark serve` uses too), so the web
 * mode's settings page, the CLI and the desktop app all see one truth.
 */
import { DEFAULT_REST_PORT, DESKTOP_DEFAULTS, type DesktopSettings, type DesktopSettingsUpdate } from '../../../shared/schemas/desktop.js';
import type { Config } from '../../../shared/schemas/config.js';
import type { ConfigService } from '../config/config-service.js';

export function desktopSettings(config: Config): DesktopSettings {
  const d = config.tidemark?.desktop ?? {};
  return {
    'rest-server': d['rest-server'] ?? DESKTOP_DEFAULTS['rest-server'],
    'rest-port': config.service?.http?.port ?? DEFAULT_REST_PORT,
    'start-at-login': d['start-at-login'] ?? DESKTOP_DEFAULTS['start-at-login'],
    'close-to-tray': d['close-to-tray'] ?? DESKTOP_DEFAULTS['close-to-tray'],
    notifications: {
      'job-failed': d.notifications?.['job-failed'] ?? DESKTOP_DEFAULTS.notifications['job-failed'],
      'restore-finished': d.notifications?.['restore-finished'] ?? DESKTOP_DEFAULTS.notifications['restore-finished'],
    },
  };
}

/** Applies a partial change; the whole config is validated and written, or nothing changes. */
export function updateDesktopSettings(config: ConfigService, update: DesktopSettingsUpdate): DesktopSettings {
  const current = config.config;
  const { 'rest-port': port, notifications, ...flags } = update;
  const before = current.tidemark?.desktop ?? {};
  const desktop = { ...before, ...flags, ...(notifications ? { notifications: { ...before.notifications, ...notifications } } : {}) };
  const service = port === undefined ? current.service : { ...current.service, http: { ...current.service?.http, port } };
  config.replace({ ...current, ...(service ? { service } : {}), tidemark: { ...current.tidemark, desktop } });
  return desktopSettings(config.config);
}
