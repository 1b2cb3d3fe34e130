/** Profiles: exporting configs to files and importing them (Tidemark profiles and ABS config files). */
export { exportProfile, type ExportProfileOptions, type ExportedProfile } from './export-profile.js';
export { parseProfile, type ParseProfileOptions, type ParsedImport } from './parse-profile.js';
export {
  applyImport,
  previewImport,
  type EntryStatus,
  type ImportMode,
  type ImportOptions,
  type ImportPreview,
  type ImportResult,
  type PreviewEntry,
  type PreviewSecret,
  type PreviewSection,
  type SecretStatus,
} from './import-plan.js';
export { ABS_V2_CONFIG, exportAbsConfig, type AbsExport, type AbsExportOptions } from './abs-config.js';
export { ProfileError, type ProfileErrorCode } from './profile-error.js';
export type { TextFormat } from './document-text.js';
