import { useEffect, useMemo, useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Drawer, Group, Skeleton, Stack, Switch, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { NameSchema, type Config, type Section } from '../../../../shared/schemas/config.js';
import { useTransport } from '../../api/context.js';
import { keys, useConfig, useDeleteEntry, useSaveEntry } from '../../api/queries.js';
import { TransportError, type SectionEntry, type SectionInput } from '../../api/transport.js';
import { ConfirmDialog, Empty, ErrorNote, errorText, PageHeader } from '../../components/common.js';
import { useRouter } from '../../app/router.js';
import { clusterForm, policyForm, routineForm, serverErrors, storageForm, validate, type Errors, type FormModel, type Values } from './form-model.js';
import { SectionFields } from './SectionFields.js';
import { ConnectionTest } from './ConnectionTest.js';
import { describeCron } from './CronHelper.js';

const FORMS: { [S in Section]: FormModel<S> } = { 'aerospike-clusters': clusterForm, storage: storageForm, 'backup-policies': policyForm, 'backup-routines': routineForm };

const TEXT: Record<Section, { title: string; add: string; description: string; empty: string }> = {
  'aerospike-clusters': { title: 'Clusters', add: 'Add cluster', description: 'The Aerospike clusters Tidemark backs up and restores into.', empty: 'Add the cluster you want to protect: its seed nodes and, with security on, a user.' },
  storage: { title: 'Storage', add: 'Add storage', description: 'Where backups are kept: a local folder or an S3 bucket.', empty: 'Add a folder or an S3 bucket for the backups.' },
  'backup-policies': { title: 'Policies', add: 'Add policy', description: 'How backups are taken: parallelism, compression, encryption and retention.', empty: 'A policy is optional: a routine without one gets a default.' },
  'backup-routines': { title: 'Routines', add: 'Create routine', description: 'What is backed up, where to, and when.', empty: 'A routine ties a cluster, a storage and a schedule together. Create one to start protecting data.' },
};

function summaryOf(section: Section, e: SectionEntry[Section]): string {
  switch (section) {
    case 'aerospike-clusters': {
      const c = e as SectionEntry['aerospike-clusters'];
      return `${c['seed-nodes'].map((s) => `${s['host-name']}:${s.port}`).join(', ')}${c.credentials?.user ? ` · user ${c.credentials.user}` : ''}`;
    }
    case 'storage': {
      const s = e as SectionEntry['storage'];
      return s['s3-storage'] ? `s3://${s['s3-storage'].bucket}/${s['s3-storage'].path ?? ''}${s['s3-storage']['s3-endpoint-override'] ? ` at ${s['s3-storage']['s3-endpoint-override']}` : ''}` : (s['local-storage']?.path ?? '');
    }
    case 'backup-policies': {
      const p = e as SectionEntry['backup-policies'];
      const parts = [`${p.parallel ?? 1} worker${(p.parallel ?? 1) === 1 ? '' : 's'}`];
      if (p.compression?.mode === 'ZSTD') parts.push('zstd');
      if (p.encryption && p.encryption.mode !== 'NONE') parts.push(p.encryption.mode);
      if (p.retention?.full) parts.push(`keep ${p.retention.full} fulls`);
      if (p['max-age']) parts.push(`max age ${p['max-age']}`);
      return parts.join(' · ');
    }
    case 'backup-routines': {
      const r = e as SectionEntry['backup-routines'];
      const full = describeCron(r['interval-cron'], r.timezone).words ?? r['interval-cron'];
      const incr = r['incr-interval-cron'] ? ` · incremental: ${describeCron(r['incr-interval-cron'], r.timezone).words ?? r['incr-interval-cron']}` : '';
      return `${r['source-cluster']} → ${r.storage} · ${r.namespaces.length ? r.namespaces.join(', ') : 'all namespaces'} · full: ${full}${incr}`;
    }
  }
}

function usedBy(config: Config, section: Section, name: string): string[] {
  if (section === 'backup-routines') return [];
  const field = section === 'aerospike-clusters' ? 'source-cluster' : section === 'storage' ? 'storage' : 'backup-policy';
  return Object.entries(config['backup-routines'])
    .filter(([, r]) => r[field] === name)
    .map(([n]) => n);
}

function EntryForm<S extends Section>({ section, config, editing, onDone }: { section: S; config: Config; editing?: { name: string; entry: SectionEntry[S] } | undefined; onDone(): void }) {
  const form = FORMS[section] as FormModel<S>;
  const [values, setValues] = useState<Values>(() => (editing ? { ...form.fromEntry(editing.entry), name: editing.name } : { ...form.empty }));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [server, setServer] = useState<Errors>({});
  const save = useSaveEntry(section);
  const t = useTransport();
  const qc = useQueryClient();
  const taken = Object.keys(config[section]);
  const checked = useMemo(() => validate(form, values, { taken, editing: !!editing }), [form, values, taken, editing]);
  const shown: Errors = {};
  for (const [k, m] of Object.entries(checked.errors)) if (submitted || touched.has(k)) shown[k] = m;
  for (const [k, m] of Object.entries(server)) shown[k] ??= m;

  const set = (k: string, v: string | boolean) => {
    setValues((prev) => ({ ...prev, [k]: v }));
    setTouched((prev) => new Set(prev).add(k));
    setServer((prev) => {
      const { [k]: _drop, _form: _f, ...rest } = prev;
      return rest;
    });
  };

  const submit = async () => {
    setSubmitted(true);
    if (Object.keys(checked.errors).length > 0) return;
    const name = editing?.name ?? String(values.name).trim();
    try {
      if (section === 'backup-routines') {
        const r = checked.entry as SectionEntry['backup-routines'];
        if (r['backup-policy'] === 'default' && !config['backup-policies'].default) await t.createEntry('backup-policies', 'default', {});
      }
      await save.mutateAsync({ name, entry: checked.entry, create: !editing });
      void qc.invalidateQueries({ queryKey: keys.config });
      notifications.show({ color: 'green', message: `${form.what[0]!.toUpperCase()}${form.what.slice(1)} '${name}' ${editing ? 'saved' : 'created'}` });
      onDone();
    } catch (err) {
      if (err instanceof TransportError) setServer(serverErrors(form, err.issues, name, err.message));
      else setServer({ _form: errorText(err) });
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      noValidate
    >
      <Stack>
        {editing ? null : (
          <TextInput label="Name" required value={String(values.name ?? '')} onChange={(e) => set('name', e.currentTarget.value)} error={shown.name} description="Letters, digits, '.', '_' or '-'" data-autofocus name="name" />
        )}
        <SectionFields section={section} values={values} errors={shown} set={set} config={config} />
        {section === 'aerospike-clusters' || section === 'storage' ? (
          <ConnectionTest
            section={section}
            name={editing?.name ?? (NameSchema.safeParse(String(values.name ?? '').trim()).success ? String(values.name).trim() : 'unsaved')}
            entry={Object.keys(checked.errors).some((k) => k !== 'name') ? undefined : (checked.entry as SectionInput['aerospike-clusters' | 'storage'])}
            saved={!!editing && JSON.stringify(values) === JSON.stringify({ ...form.fromEntry(editing.entry), name: editing.name })}
            onInvalid={() => setSubmitted(true)}
          />
        ) : null}
        {shown._form ? (
          <Alert color="red" role="alert">
            {shown._form}
          </Alert>
        ) : null}
        {submitted && Object.keys(checked.errors).length > 0 ? (
          <Text size="sm" c="var(--mantine-color-error)" role="status">
            Fix the {Object.keys(checked.errors).length === 1 ? 'field' : `${Object.keys(checked.errors).length} fields`} marked above.
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing ? 'Save' : TEXT[section].add}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function SetupPage({ section }: { section: Section }) {
  const config = useConfig();
  const { params, setParams } = useRouter();
  const [editing, setEditing] = useState<string | undefined>();
  const [creating, setCreating] = useState(params.new === '1');
  const [deleting, setDeleting] = useState<string | undefined>();
  const del = useDeleteEntry(section);
  const t = useTransport();
  const qc = useQueryClient();
  const text = TEXT[section];

  useEffect(() => {
    setCreating(params.new === '1');
    setEditing(undefined);
  }, [section, params.new]);

  if (config.isPending) return <Skeleton h={240} />;
  if (config.error) return <ErrorNote error={config.error} />;
  const c = config.data;
  const entries = Object.entries(c[section]) as Array<[string, SectionEntry[Section]]>;
  const close = () => {
    setCreating(false);
    setEditing(undefined);
    if (params.new) setParams({ new: undefined });
  };
  const open = creating || editing !== undefined;
  const blockers = deleting ? usedBy(c, section, deleting) : [];

  return (
    <div>
      <PageHeader
        title={text.title}
        description={text.description}
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            {text.add}
          </Button>
        }
      />
      {entries.length === 0 ? (
        <Empty title={`No ${text.title.toLowerCase()} yet`} action={<Button onClick={() => setCreating(true)}>{text.add}</Button>}>
          {text.empty}
        </Empty>
      ) : (
        <Table highlightOnHover verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Settings</Table.Th>
              {section === 'backup-routines' ? <Table.Th>Scheduled</Table.Th> : null}
              <Table.Th w={100}>
                <span className="sr-only">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map(([name, e]) => (
              <Table.Tr key={name}>
                <Table.Td fw={600}>{name}</Table.Td>
                <Table.Td>
                  <Text size="sm">{summaryOf(section, e)}</Text>
                  {section !== 'backup-routines' && usedBy(c, section, name).length ? (
                    <Badge size="xs" variant="light" mt={4}>
                      used by {usedBy(c, section, name).join(', ')}
                    </Badge>
                  ) : null}
                </Table.Td>
                {section === 'backup-routines' ? (
                  <Table.Td>
                    <Switch
                      aria-label={`schedule routine ${name}`}
                      checked={!(e as SectionEntry['backup-routines']).disabled}
                      onChange={(ev) => {
                        const enabled = ev.currentTarget.checked;
                        t.setRoutineEnabled(name, enabled).then(
                          () => void qc.invalidateQueries({ queryKey: keys.config }),
                          (err: unknown) => notifications.show({ color: 'red', title: `Could not ${enabled ? 'enable' : 'disable'} ${name}`, message: errorText(err) }),
                        );
                      }}
                    />
                  </Table.Td>
                ) : null}
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Tooltip label={`Edit ${name}`}>
                      <ActionIcon variant="subtle" aria-label={`Edit ${name}`} onClick={() => setEditing(name)}>
                        <IconPencil size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label={`Delete ${name}`}>
                      <ActionIcon variant="subtle" color="red" aria-label={`Delete ${name}`} onClick={() => setDeleting(name)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Drawer opened={open} onClose={close} position="right" size="lg" title={<Text fw={650}>{editing ? `Edit ${FORMS[section].what} ${editing}` : text.add}</Text>}>
        {open ? <EntryForm key={`${section}:${editing ?? 'new'}`} section={section} config={c} editing={editing !== undefined ? { name: editing, entry: c[section][editing]! } : undefined} onDone={close} /> : null}
      </Drawer>
      <ConfirmDialog
        opened={deleting !== undefined}
        title={`Delete ${FORMS[section].what} ${deleting ?? ''}?`}
        confirmLabel={`Delete ${FORMS[section].what}`}
        danger
        busy={del.isPending}
        error={del.error}
        onClose={() => {
          setDeleting(undefined);
          del.reset();
        }}
        onConfirm={() => del.mutate(deleting!, { onSuccess: () => setDeleting(undefined) })}
      >
        {blockers.length ? (
          <Text size="sm">
            Routines {blockers.join(', ')} use it: change or delete {blockers.length === 1 ? 'that routine' : 'those routines'} first.
          </Text>
        ) : (
          <Text size="sm">
            {section === 'backup-routines' ? 'The routine stops being scheduled. Its backups stay on storage and in the catalog.' : 'Only the setting goes; no backup is removed.'}
          </Text>
        )}
      </ConfirmDialog>
    </div>
  );
}
