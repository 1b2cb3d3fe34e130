/**
 * Settings → Profiles: export the configuration (or chosen routines) as a Tidemark profile or an
 * ABS config file and download it; import one — pasted or picked — previewed first (added,
 * changed, unchanged, conflicting, removed), then applied. Secrets the file left out are asked
 * for, or imported without; the file's own can be left aside; plain-text storage is offered only
 * once the import was refused for want of a keychain.
 */
import { useState, type ChangeEvent } from 'react';
import { Alert, Badge, Button, Checkbox, FileInput, Group, List, MultiSelect, Paper, PasswordInput, SegmentedControl, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconFileImport } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { ImportPreview, ProfileExport, ProfileImportRequest } from '../../../../shared/schemas/rest.js';
import { useTransport } from '../../api/context.js';
import { keys, useConfig } from '../../api/queries.js';
import { ErrorNote } from '../../components/common.js';
import { importRequest, previewSummary, profileErrors, refusesPlaintext, secretKey, secretLabel, secretsToAsk, sectionLabel, sortedEntries, STATUS_COLOR, type ProfileField } from './profile-model.js';

type Format = 'json' | 'yaml' | 'abs';
type Errors = Partial<Record<ProfileField, string>>;

function download(p: ProfileExport): void {
  const url = URL.createObjectURL(new Blob([p.text], { type: p.format === 'json' ? 'application/json' : 'application/yaml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = p.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Issues({ items, color, title }: { items: Array<{ path: Array<string | number>; message: string }>; color: string; title: string }) {
  if (!items.length) return null;
  return (
    <Alert color={color} variant="light" title={title} role={color === 'red' ? 'alert' : undefined}>
      <List size="sm" spacing={2}>
        {items.map((w, i) => (
          <List.Item key={i}>
            {w.path.length ? <span className="tm-mono">{w.path.join('.')}: </span> : null}
            {w.message}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

function ExportProfile() {
  const t = useTransport();
  const config = useConfig();
  const [routines, setRoutines] = useState<string[]>([]);
  const [format, setFormat] = useState<Format>('json');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState<ProfileExport | undefined>();

  const run = async () => {
    setErrors({});
    setDone(undefined);
    if (passphrase && passphrase.length < 8) {
      setErrors({ passphrase: 'use at least 8 characters' });
      return;
    }
    setBusy(true);
    try {
      const r = await t.exportProfile({ format, ...(routines.length ? { routines } : {}), ...(passphrase && format !== 'abs' ? { passphrase } : {}) });
      download(r);
      setDone(r);
    } catch (err) {
      setErrors(profileErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Export
      </Title>
      <Group align="flex-start" gap="sm">
        <MultiSelect label="Routines" placeholder={routines.length ? undefined : 'All routines and settings'} data={Object.keys(config.data?.['backup-routines'] ?? {})} value={routines} onChange={setRoutines} error={errors.routines} clearable w={280} />
        <div>
          <Text size="sm" fw={500} mb={4} id="profile-format-label">
            Format
          </Text>
          <SegmentedControl
            aria-labelledby="profile-format-label"
            data={[
              { value: 'json', label: 'Profile (JSON)' },
              { value: 'yaml', label: 'Profile (YAML)' },
              { value: 'abs', label: 'ABS config' },
            ]}
            value={format}
            onChange={(v) => setFormat(v as Format)}
          />
        </div>
      </Group>
      <PasswordInput
        label="Passphrase"
        description={format === 'abs' ? 'ABS config files cannot hold encrypted secrets: they are left out' : 'Leave empty to leave secrets out; with a passphrase they travel encrypted and the profile is authenticated'}
        value={format === 'abs' ? '' : passphrase}
        onChange={(e) => setPassphrase(e.currentTarget.value)}
        disabled={format === 'abs'}
        error={errors.passphrase}
        autoComplete="new-password"
        w={420}
      />
      <ErrorNote error={errors._form ? new Error(errors._form) : undefined} />
      <div>
        <Button leftSection={<IconDownload size={16} />} loading={busy} onClick={() => void run()}>
          Export and download
        </Button>
      </div>
      {done ? (
        <Stack gap="xs" aria-live="polite">
          <Text size="sm">
            Downloaded <b>{done.filename}</b>: {done.secrets.included.length ? `${done.secrets.included.length} secret(s) encrypted` : done.secrets.omitted.length ? `${done.secrets.omitted.length} secret(s) left out` : 'no secrets'}.
          </Text>
          <Issues items={done.warnings} color="yellow" title="Left out or different" />
        </Stack>
      ) : null}
    </Stack>
  );
}

function PreviewTable({ preview }: { preview: ImportPreview }) {
  return (
    <Table verticalSpacing={4} fz="sm" withTableBorder>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>What</Table.Th>
          <Table.Th>Name</Table.Th>
          <Table.Th>Change</Table.Th>
          <Table.Th>Fields</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sortedEntries(preview).map((e) => (
          <Table.Tr key={`${e.section}:${e.name}`}>
            <Table.Td>{sectionLabel(e.section)}</Table.Td>
            <Table.Td fw={600}>{e.name}</Table.Td>
            <Table.Td>
              <Badge color={STATUS_COLOR[e.status]} variant="light">
                {e.status}
              </Badge>
            </Table.Td>
            <Table.Td className="tm-mono">{e.fields?.join(', ') ?? ''}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function ImportProfile() {
  const t = useTransport();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<'merge' | 'replace'>('merge');
  const [overwrite, setOverwrite] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [preview, setPreview] = useState<ImportPreview | undefined>();
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState<'preview' | 'import' | undefined>();
  // Secrets: asked for as the last preview listed them; they outlive a stale preview.
  const [missing, setMissing] = useState<string[][]>([]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [fileHasSecrets, setFileHasSecrets] = useState(false);
  const [skipSecrets, setSkipSecrets] = useState(false);
  const [allowMissing, setAllowMissing] = useState(false);
  const [allowPlaintext, setAllowPlaintext] = useState(false);
  const [plaintextRefused, setPlaintextRefused] = useState(false);

  /** Any change makes the preview stale: it must be looked at again before importing. */
  const changed = () => {
    setPreview(undefined);
    setErrors({});
  };
  /** A checkbox's choice: it changes what the import does, so the preview is stale. */
  const option = (set: (v: boolean) => void) => (e: ChangeEvent<HTMLInputElement>) => {
    set(e.currentTarget.checked);
    changed();
  };
  /** Another file or mode: what was asked about the previous one no longer applies. */
  const newFile = () => {
    changed();
    setMissing([]);
    setValues({});
    setFileHasSecrets(false);
    setPlaintextRefused(false);
  };
  const request = (): ProfileImportRequest => importRequest({ text, mode, overwrite, passphrase, skipSecrets, missing, values, allowMissing, allowPlaintext });

  const pick = async (f: File | null) => {
    setFile(f);
    newFile();
    if (!f) return;
    try {
      setText(await f.text());
    } catch (err) {
      setErrors({ text: `could not read ${f.name}: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  const runPreview = async () => {
    setErrors({});
    if (!text.trim()) {
      setErrors({ text: 'paste a profile or choose a file' });
      return;
    }
    setBusy('preview');
    try {
      const p = await t.previewProfileImport(request());
      setPreview(p);
      setMissing(secretsToAsk(p));
      setFileHasSecrets(p.secrets.some((x) => x.status === 'included'));
    } catch (err) {
      setPreview(undefined);
      setErrors(profileErrors(err));
      if (refusesPlaintext(err)) setPlaintextRefused(true);
    } finally {
      setBusy(undefined);
    }
  };

  const runImport = async () => {
    setBusy('import');
    try {
      const r = await t.importProfile(request());
      qc.setQueryData(keys.config, r.config);
      void qc.invalidateQueries({ queryKey: keys.schedule });
      notifications.show({ color: 'green', message: `Imported: ${previewSummary(r.preview)}` });
      setText('');
      setFile(null);
      setPassphrase('');
      newFile();
    } catch (err) {
      setErrors(profileErrors(err));
      if (refusesPlaintext(err)) setPlaintextRefused(true);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Import
      </Title>
      <FileInput label="Profile or config file" description="A .json or .yaml file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml" value={file} onChange={(f) => void pick(f)} clearable w={420} />
      <Textarea
        label="…or paste it"
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          newFile();
        }}
        error={errors.text}
        autosize
        minRows={3}
        maxRows={10}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
      />
      <Group align="flex-end" gap="md">
        <div>
          <Text size="sm" fw={500} mb={4} id="profile-mode-label">
            Mode
          </Text>
          <SegmentedControl
            aria-labelledby="profile-mode-label"
            data={[
              { value: 'merge', label: 'Merge' },
              { value: 'replace', label: 'Replace everything' },
            ]}
            value={mode}
            onChange={(v) => {
              setMode(v as 'merge' | 'replace');
              changed();
            }}
          />
        </div>
        {mode === 'merge' ? (
          <Checkbox
            label="Overwrite entries that differ"
            checked={overwrite}
            onChange={option(setOverwrite)}
            mb={6}
          />
        ) : null}
      </Group>
      <PasswordInput
        label="Passphrase"
        description="Only for a profile exported with one"
        value={passphrase}
        onChange={(e) => {
          setPassphrase(e.currentTarget.value);
          changed();
        }}
        error={errors.passphrase}
        autoComplete="off"
        w={420}
      />
      {fileHasSecrets ? (
        <Checkbox
          label="Keep this machine's secrets (import none from the file)"
          checked={skipSecrets}
          onChange={option(setSkipSecrets)}
        />
      ) : null}
      {missing.length > 0 && !skipSecrets ? (
        <Stack gap={6} role="group" aria-label="Secrets the file does not carry">
          <Text size="sm" fw={500}>
            Secrets the file does not carry
          </Text>
          <Text size="xs" c="dimmed">
            Type them to import them sealed by the OS keychain, then preview again.
          </Text>
          {missing.map((path) => (
            <PasswordInput
              key={secretKey(path)}
              label={secretLabel(path)}
              value={values[secretKey(path)] ?? ''}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setValues((old) => ({ ...old, [secretKey(path)]: v }));
                changed();
              }}
              autoComplete="new-password"
              w={420}
            />
          ))}
          <Checkbox
            label="Import without the ones left empty (fill them in later)"
            checked={allowMissing}
            onChange={option(setAllowMissing)}
          />
        </Stack>
      ) : null}
      {plaintextRefused || allowPlaintext ? (
        <Checkbox
          label="Store these secrets in plain text in the config file (there is no OS keychain here)"
          checked={allowPlaintext}
          onChange={option(setAllowPlaintext)}
        />
      ) : null}
      <ErrorNote error={errors._form ? new Error(errors._form) : undefined} />
      <Group>
        <Button variant="default" leftSection={<IconFileImport size={16} />} loading={busy === 'preview'} onClick={() => void runPreview()}>
          Preview
        </Button>
        <Button onClick={() => void runImport()} loading={busy === 'import'} disabled={!preview || preview.blocking.length > 0}>
          {mode === 'replace' ? 'Replace the configuration' : 'Import'}
        </Button>
      </Group>
      {preview ? (
        <Stack gap="xs" aria-live="polite">
          <Text size="sm" fw={500}>
            {preview.mode === 'replace' ? 'Replacing' : 'Merging'} {preview.source === 'tidemark-profile' ? 'a Tidemark profile' : 'a config file'}: {previewSummary(preview)}
          </Text>
          <PreviewTable preview={preview} />
          {preview.secrets.length ? (
            <Text size="xs" c="dimmed">
              Secrets: {preview.secrets.map((x) => `${x.path.join('.')} ${x.status}`).join(' · ')}
            </Text>
          ) : null}
          <Issues items={preview.blocking} color="red" title="The import would be refused" />
          <Issues items={preview.warnings} color="yellow" title="Warnings" />
        </Stack>
      ) : null}
    </Stack>
  );
}

export function ProfilesPanel() {
  return (
    <Paper withBorder p="lg" radius="md">
      <Title order={2} size="h4" mb="xs">
        Profiles
      </Title>
      <Text size="sm" mb="md">
        A profile carries clusters, storage, policies and routines to another machine; secrets are left out or encrypted with a passphrase. The API&apos;s own access settings always stay on this machine.
      </Text>
      <Stack gap="xl">
        <ExportProfile />
        <ImportProfile />
      </Stack>
    </Paper>
  );
}
