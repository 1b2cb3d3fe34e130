/**
 * "Look up a record": one record's versions across a routine's backups, newest first, with bins,
 * generation and expiry, the backups that do not hold it, and restoring one version (confirmed,
 * into a chosen cluster and namespace) as a job.
 */
import { useState } from 'react';
import { Badge, Button, Group, List, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconSearch } from '@tabler/icons-react';
import type { Config } from '../../../../shared/schemas/config.js';
import type { KeyType, RecordHistory, RecordVersion } from '../../../../shared/schemas/record-history.js';
import type { ExamineRequest } from '../../../../shared/schemas/rest.js';
import { useTransport } from '../../api/context.js';
import { ConfirmDialog, ErrorNote } from '../../components/common.js';
import { formatCount, formatTime } from '../../components/format.js';
import { absenceText, binValueText, expiryText, lookupRequest, lookupServerErrors, type LookupErrors, type LookupValues } from './record-history-model.js';

const KEY_TYPES: Array<{ value: KeyType; label: string }> = [
  { value: 'string', label: 'String' },
  { value: 'integer', label: 'Integer' },
  { value: 'bytes', label: 'Bytes (hex, or base64:…)' },
];

function Version({ v, onRestore }: { v: RecordVersion; onRestore(): void }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Group justify="space-between" align="flex-start" mb="xs">
        <div>
          <Group gap="xs">
            <Badge color={v.kind === 'full' ? 'indigo' : 'cyan'} variant="light">
              {v.kind}
            </Badge>
            <Text fw={600} size="sm">
              {formatTime(v['backup-time'])}
            </Text>
            <Text size="sm" c="dimmed">
              {v.namespace}
            </Text>
          </Group>
          <Text size="xs" c="dimmed" mt={4}>
            generation {v.generation} · {expiryText(v)}
            {v['changed-after'] !== undefined ? ` · written between ${formatTime(v['changed-after'])} and ${formatTime(v['changed-before'])}` : ` · written before ${formatTime(v['changed-before'])}`}
          </Text>
        </div>
        <Button size="xs" variant="light" onClick={onRestore}>
          Restore this version…
        </Button>
      </Group>
      <Table withTableBorder={false} verticalSpacing={4} fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="25%">Bin</Table.Th>
            <Table.Th w="15%">Type</Table.Th>
            <Table.Th>Value</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {v.bins.map((b) => (
            <Table.Tr key={b.name}>
              <Table.Td className="tm-mono">{b.name}</Table.Td>
              <Table.Td>{b.type}</Table.Td>
              <Table.Td className="tm-mono" style={{ wordBreak: 'break-all' }}>
                {binValueText(b)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function RecordLookup({ config, routine }: { config: Config | undefined; routine?: string | undefined }) {
  const t = useTransport();
  const routines = Object.keys(config?.['backup-routines'] ?? {});
  const [values, setValues] = useState<LookupValues>({ routine: routine ?? routines[0] ?? '', set: '', key: '', keyType: 'string' });
  const [errors, setErrors] = useState<LookupErrors>({});
  const [busy, setBusy] = useState(false);
  const [found, setFound] = useState<{ request: ExamineRequest; history: RecordHistory } | undefined>();
  const [restoring, setRestoring] = useState<RecordVersion | undefined>();
  const [destination, setDestination] = useState<string | null>(null);
  const [namespace, setNamespace] = useState('');
  const [restoreBusy, setRestoreBusy] = useState(false);
  const [restoreError, setRestoreError] = useState<unknown>();

  const set = <K extends keyof LookupValues>(k: K, v: LookupValues[K]) => {
    setValues((prev) => ({ ...prev, [k]: v }));
    setErrors((prev) => {
      const { [k]: _drop, _form: _f, ...rest } = prev;
      return rest;
    });
  };

  const lookUp = async () => {
    const { request, errors: local } = lookupRequest(values);
    setErrors(local);
    if (!request) return;
    setBusy(true);
    try {
      setFound({ request, history: await t.examineRecord(request) });
    } catch (err) {
      setFound(undefined);
      setErrors(lookupServerErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const askRestore = (v: RecordVersion) => {
    setRestoreError(undefined);
    setDestination(config?.['backup-routines'][found?.request.routine ?? '']?.['source-cluster'] ?? null);
    setNamespace(v.namespace);
    setRestoring(v);
  };

  const restore = async () => {
    if (!restoring || !found) return;
    setRestoreBusy(true);
    setRestoreError(undefined);
    try {
      const { 'use-index': _u, ...lookup } = found.request;
      await t.restoreRecordVersion({ lookup, backup: restoring.backup, ...(destination ? { destination } : {}), ...(namespace.trim() ? { namespace: namespace.trim() } : {}) });
      setRestoring(undefined);
      notifications.show({ message: `Restoring the version of ${formatTime(restoring['backup-time'])}: follow it under Jobs` });
    } catch (err) {
      setRestoreError(err);
    } finally {
      setRestoreBusy(false);
    }
  };

  const h = found?.history;
  return (
    <Paper withBorder p="lg" radius="md" mb="lg" component="section" aria-labelledby="record-lookup-title">
      <Title order={2} size="h4" mb="sm" id="record-lookup-title">
        Look up a record
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void lookUp();
        }}
        noValidate
      >
        <Group align="flex-start" gap="sm">
          <Select label="Routine" data={routines} value={values.routine || null} onChange={(v) => set('routine', v ?? '')} error={errors.routine} w={180} allowDeselect={false} />
          <TextInput label="Set" placeholder="(no set)" value={values.set} onChange={(e) => set('set', e.currentTarget.value)} error={errors.set} w={160} />
          <TextInput label="Key" placeholder="the record's user key" value={values.key} onChange={(e) => set('key', e.currentTarget.value)} error={errors.key} w={220} />
          <Select label="Key type" data={KEY_TYPES} value={values.keyType} onChange={(v) => set('keyType', (v ?? 'string') as KeyType)} error={errors.keyType} w={200} allowDeselect={false} />
          <Button type="submit" mt={25} loading={busy} leftSection={<IconSearch size={14} />}>
            Look up
          </Button>
        </Group>
        {errors._form ? <ErrorNote error={new Error(errors._form)} /> : null}
      </form>
      {h ? (
        <Stack mt="md" gap="sm" aria-live="polite">
          <Text size="sm">
            {h.versions.length === 0 ? 'No backup of this routine holds this record.' : `${formatCount(h.versions.length)} version${h.versions.length === 1 ? '' : 's'}, newest first`}
            {h.set !== null ? ` · set ${h.set}` : ''} · digest <span className="tm-mono">{h.digest}</span>
          </Text>
          {h.versions.map((v) => (
            <Version key={`${v.backup}`} v={v} onRestore={() => askRestore(v)} />
          ))}
          {h.absent.length ? (
            <div>
              <Text size="sm" fw={600} mb={4}>
                Backups without it
              </Text>
              <List size="sm" spacing={2}>
                {h.absent.map((a) => (
                  <List.Item key={a.backup}>
                    {a.kind} · {a.namespace} · {formatTime(a['backup-time'])}: {absenceText(a)}
                  </List.Item>
                ))}
              </List>
            </div>
          ) : null}
        </Stack>
      ) : null}
      <ConfirmDialog
        opened={!!restoring}
        title="Restore this version?"
        confirmLabel="Restore this version"
        busy={restoreBusy}
        error={restoreError}
        onClose={() => setRestoring(undefined)}
        onConfirm={() => void restore()}
      >
        <Text size="sm">
          The record is written as the {restoring?.kind} backup of {restoring ? formatTime(restoring['backup-time']) : ''} holds it (generation {restoring?.generation}), replacing what the destination has under its key.
        </Text>
        <Group grow>
          <Select label="Destination cluster" data={Object.keys(config?.['aerospike-clusters'] ?? {})} value={destination} onChange={setDestination} allowDeselect={false} data-autofocus />
          <TextInput label="Namespace" value={namespace} onChange={(e) => setNamespace(e.currentTarget.value)} />
        </Group>
      </ConfirmDialog>
    </Paper>
  );
}
