/** What `tidemark profile export|import` do (profile-command.ts defines their options). */
import { readFile, writeFile } from 'node:fs/promises';
import { applyImport, exportAbsConfig, exportProfile, parseProfile, previewImport, ProfileError, type ImportOptions, type ImportPreview } from '../core/profiles/index.js';
import { formatIssues } from '../../shared/schemas/config.js';
import { openConfig } from './service-open.js';
import { printJson, type ServiceCliOptions } from './service-options.js';

export type ExportOptions = ServiceCliOptions & { routine?: string[]; format: 'json' | 'yaml' | 'abs'; passphraseEnv?: string; includePlaintextSecrets?: boolean };
export type ImportCliOptions = ServiceCliOptions & { dryRun?: boolean; replace?: boolean; overwrite?: boolean; passphraseEnv?: string; skipSecrets?: boolean; allowMissingSecrets?: boolean; allowPlaintextSecrets?: boolean };

function passphraseFrom(variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const v = process.env[variable];
  if (v === undefined) throw new ProfileError('bad-option', [{ path: ['--passphrase-env'], message: `environment variable ${variable} is not set` }]);
  return v;
}

function describePreview(p: ImportPreview): string {
  const lines: string[] = [`${p.mode} import of ${p.source}:`];
  for (const e of p.entries) lines.push(`  ${e.status.padEnd(11)} ${e.section} '${e.name}'${e.fields?.length ? ` (${e.fields.join(', ')})` : ''}`);
  for (const s of p.secrets) lines.push(`  secret ${s.path.join('.')}: ${s.status}`);
  for (const w of p.warnings) lines.push(`  warning: ${formatIssues([w])}`);
  for (const b of p.blocking) lines.push(`  refused (${b.reason}): ${formatIssues([b])}`);
  return `${lines.join('\n')}\n`;
}

function reportProfileError(err: unknown): number {
  if (err instanceof ProfileError) {
    process.stderr.write(`tidemark profile: ${err.message}\n`);
    return 2;
  }
  throw err;
}

export async function exportCommand(o: ExportOptions, file: string): Promise<number> {
  try {
    const config = openConfig(o).config;
    const routines = o.routine ? { routines: o.routine } : {};
    let text: string;
    let warnings: string[];
    let note: string;
    if (o.format === 'abs') {
      if (o.passphraseEnv) throw new ProfileError('bad-option', [{ path: ['--passphrase-env'], message: 'ABS config files cannot hold encrypted secrets: use --format json or yaml' }]);
      const r = exportAbsConfig(config, { ...routines, ...(o.includePlaintextSecrets ? { includePlaintextSecrets: true } : {}) });
      text = r.text;
      warnings = r.warnings.map((w) => formatIssues([w]));
      note = o.includePlaintextSecrets ? 'secrets in plain text' : 'secrets left out';
    } else {
      const passphrase = passphraseFrom(o.passphraseEnv);
      const r = await exportProfile(config, { format: o.format, ...routines, ...(passphrase !== undefined ? { passphrase } : {}) });
      text = r.text;
      warnings = r.warnings.map((w) => formatIssues([w]));
      note = r.secrets.included.length ? `${r.secrets.included.length} secret(s) encrypted` : r.secrets.omitted.length ? `${r.secrets.omitted.length} secret(s) left out` : 'no secrets';
    }
    if (file === '-') process.stdout.write(text);
    else await writeFile(file, text, { mode: 0o600 });
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (file !== '-') process.stderr.write(`wrote ${file} (${note})\n`);
    return 0;
  } catch (err) {
    return reportProfileError(err);
  }
}

export async function importCommand(o: ImportCliOptions, file: string): Promise<number> {
  try {
    const text = await readFile(file, 'utf8');
    const passphrase = passphraseFrom(o.passphraseEnv);
    const parsed = await parseProfile(text, { ...(passphrase !== undefined ? { passphrase } : {}), ...(o.skipSecrets ? { skipEncryptedSecrets: true } : {}) });
    const opts: ImportOptions = {
      mode: o.replace ? 'replace' : 'merge',
      ...(o.overwrite ? { overwrite: true } : {}),
      ...(o.skipSecrets ? { secrets: 'skip' as const } : {}),
      ...(o.allowMissingSecrets ? { allowMissingSecrets: true } : {}),
      ...(o.allowPlaintextSecrets ? { allowPlaintextSecrets: true } : {}),
    };
    const config = openConfig(o);
    if (o.dryRun) {
      const preview = previewImport(config.config, parsed, opts);
      if (o.json) printJson(preview);
      else process.stdout.write(describePreview(preview));
      return preview.blocking.length ? 2 : 0;
    }
    const result = applyImport(config, parsed, opts);
    if (o.json) printJson(result.preview);
    else process.stdout.write(`${describePreview(result.preview)}imported into ${config.path}\n`);
    return 0;
  } catch (err) {
    return reportProfileError(err);
  }
}
