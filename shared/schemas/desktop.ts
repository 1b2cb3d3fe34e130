import { z } from 'zod';

/**
 * The desktop app's own settings, kept in the config file's `tidemark.desktop` section (so an
 * exported profile carries them). The web mode ignores them. Every field is optional: what is
 * left out takes the default in DESKTOP_DEFAULTS.
 */
export const DesktopSettingsSchema = z.strictObject({
  /** Serve the localhost REST API (ABS-compatible) while the desktop app runs; its port is `service.http.port`. */
  'rest-server': z.boolean().optional(),
  /** Open (hidden, in the tray) when the user logs in, so schedules run without opening the window. */
  'start-at-login': z.boolean().optional(),
  /** Closing the window keeps Tidemark running in the tray (schedules go on); off: closing quits. */
  'close-to-tray': z.boolean().optional(),
  notifications: z
    .strictObject({
      /** A job (backup, restore, verify, copy, merge, delete, retention) failed or was interrupted. */
      'job-failed': z.boolean().optional(),
      /** A restore ended successfully. */
      'restore-finished': z.boolean().optional(),
    })
    .optional(),
});
export type DesktopSettingsInput = z.infer<typeof DesktopSettingsSchema>;

/** The settings as the desktop app applies them: defaults filled in, the REST port resolved. */
export const DesktopSettingsViewSchema = z.object({
  'rest-server': z.boolean(),
  /** `service.http.port` of the config, else the default port. */
  'rest-port': z.number().int().min(0).max(65535),
  'start-at-login': z.boolean(),
  'close-to-tray': z.boolean(),
  notifications: z.object({ 'job-failed': z.boolean(), 'restore-finished': z.boolean() }),
});
export type DesktopSettings = z.infer<typeof DesktopSettingsViewSchema>;

/** A change to the desktop settings: any subset; `rest-port` is written to `service.http.port`. */
export const DesktopSettingsUpdateSchema = z.strictObject({
  'rest-server': z.boolean().optional(),
  'rest-port': z.number().int().min(1, 'rest-port must be 1..65535').max(65535, 'rest-port must be 1..65535').optional(),
  'start-at-login': z.boolean().optional(),
  'close-to-tray': z.boolean().optional(),
  notifications: z.strictObject({ 'job-failed': z.boolean().optional(), 'restore-finished': z.boolean().optional() }).optional(),
});
export type DesktopSettingsUpdate = z.infer<typeof DesktopSettingsUpdateSchema>;

/** ABS's default port, for `serve` and the desktop app's REST server alike. */
export const DEFAULT_REST_PORT = 8080;

export const DESKTOP_DEFAULTS = {
  'rest-server': true,
  'start-at-login': false,
  'close-to-tray': true,
  notifications: { 'job-failed': true, 'restore-finished': true },
} as const;
