import { memo, useMemo, useRef, useState } from 'react';
import { Alert, Badge, Button, CopyButton, Drawer, Group, Select, SimpleGrid, Skeleton, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconCopy, IconSearch } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { CatalogBackup, DeletePlan } from '../../../../shared/schemas/catalog.js';
import { useTransport } from '../../api/context.js';
import { useBackups, useCapabilities, useConfig } from '../../api/queries.js';
import { ConfirmDialog, Empty, ErrorNote, errorText, PageHeader, useNow } from '../../components/common.js';
import { formatBytes, formatCount, formatDuration, formatRelative, formatTime } from '../../components/format.js';
import { useRouter } from '../../app/router.js';
import { CopyDialog, MergeDialog } from './BackupActions.js';
import { RecordLookup } from './RecordLookup.js';

const ROW = 52;

function Verification({ b }: { b: CatalogBackup }) {
  if (!b.verification) return <Badge color="gray" variant="outline">not verified</Badge>;
  return b.verification.ok ? (
    <Badge color="green" variant="light">
      verified
    </Badge>
  ) : (
    <Tooltip label={b.verification.message ?? 'failed'}>
      <Badge color="red" variant="light">
        verification failed
      </Badge>
    </Tooltip>
  );
}

function Details({ b, onVerify, onDelete, onCopy, onMerge, caps }: { b: CatalogBackup; onVerify(): void; onDelete(): void; onCopy(): void; onMerge(): void; caps: { catalog: boolean; verify: boolean; delete: boolean } | undefined }) {
  const row = (k: string, v: React.ReactNode) => (
    <>
      <Text size="sm" c="dimmed">
        {k}
      </Text>
      <Text size="sm" component="div">
        {v}
      </Text>
    </>
  );
  return (
    <Stack>
      <Group gap="xs">
        <Badge color={b.kind === 'full' ? 'indigo' : 'cyan'}>{b.kind}</Badge>
        <Verification b={b} />
        {b.foreign ? <Badge color="grape" variant="light">made by another tool</Badge> : null}
      </Group>
      <SimpleGrid cols={2} spacing={6}>
        {row('Routine', b.routine)}
        {row('Namespace', b.namespace)}
        {row('Started', `${formatTime(b.timestamp)} (${b.created})`)}
        {row('Duration', b.duration !== undefined ? formatDuration(b.duration * 1000) : '—')}
        {row('Records', formatCount(b['record-count']))}
        {row('Size', formatBytes(b['byte-count']))}
        {row('Files', formatCount(b['file-count']))}
        {row('Indexes / UDFs', `${formatCount(b['secondary-index-count'])} / ${formatCount(b['udf-count'])}`)}
        {row('Compression', b.compression)}
        {row('Encryption', b.encryption)}
        {row('Label', b.label ?? '—')}
        {row('Storage', b.storage)}
        {row(
          'Key',
          <Group gap={4} wrap="nowrap">
            <span className="tm-mono">{b.key}</span>
            <CopyButton value={b.key}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="subtle" onClick={copy} leftSection={<IconCopy size={12} />}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>,
        )}
      </SimpleGrid>
      {b.verification && !b.verification.ok ? (
        <Alert color="red" title="Verification failed">
          {b.verification.file ? `${b.verification.file}${b.verification.line ? `, line ${b.verification.line}` : ''}: ` : ''}
          {b.verification.message}
        </Alert>
      ) : null}
      {caps && (!caps.verify || !caps.delete) ? (
        <Text size="xs" c="dimmed">
          This server has no catalog endpoints yet: verify and delete need <code>tidemark verify</code> / <code>tidemark catalog</code> on the command line.
        </Text>
      ) : null}
      <Group>
        <Button variant="light" onClick={onVerify} disabled={caps ? !caps.verify : true}>
          Verify
        </Button>
        <Button variant="light" onClick={onCopy} disabled={caps ? !caps.catalog : true}>
          Copy to…
        </Button>
        <Button variant="light" onClick={onMerge} disabled={caps ? !caps.catalog || b.foreign === true : true}>
          Merge…
        </Button>
        <Button variant="light" color="red" onClick={onDelete} disabled={caps ? !caps.delete : true}>
          Delete backup…
        </Button>
      </Group>
    </Stack>
  );
}

const ROW_STYLE = { position: 'absolute', top: 0, left: 0, right: 0, height: ROW, display: 'grid', gridTemplateColumns: '110px minmax(140px, 1.3fr) 1fr 0.7fr 0.8fr 0.7fr 130px', alignItems: 'center', gap: 8, padding: '0 12px', borderBottom: '1px solid var(--mantine-color-default-border)', cursor: 'pointer' } as const;

/**
 * One row of the virtualised list. Memoised: scrolling re-renders the list on every frame, and
 * only the rows that come into view need rendering. The relative time is a plain `<time>` with a
 * title (one clock for the page, no tooltip per row): thousands of rows pass by while scrolling.
 */
const BackupRow = memo(function BackupRow({ b, top, selected, now, onSelect }: { b: CatalogBackup; top: number; selected: boolean; now: number; onSelect(b: CatalogBackup): void }) {
  const iso = new Date(b.timestamp).toISOString();
  return (
    <div
      role="option"
      aria-selected={selected}
      tabIndex={0}
      className="tm-row"
      onClick={() => onSelect(b)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(b);
        }
      }}
      style={{ ...ROW_STYLE, transform: `translateY(${top}px)` }}
    >
      <Badge color={b.kind === 'full' ? 'indigo' : 'cyan'} variant="light" tt="none">
        {b.kind}
      </Badge>
      <div>
        <Text size="sm" fw={600} className="tm-nowrap">
          {formatTime(b.timestamp, now)}
        </Text>
        <Text size="xs" c="dimmed">
          <time dateTime={iso} title={iso} className="tm-nowrap">
            {formatRelative(b.timestamp, now)}
          </time>
          {b.label ? ` · ${b.label}` : ''}
        </Text>
      </div>
      <Text size="sm">
        {b.routine} · {b.namespace}
      </Text>
      <Text size="sm" ta="right">
        {formatCount(b['record-count'])} rec
      </Text>
      <Text size="sm" ta="right">
        {formatBytes(b['byte-count'])}
      </Text>
      <Text size="sm">{b.storage}</Text>
      <Verification b={b} />
    </div>
  );
});

export function CatalogPage() {
  const config = useConfig();
  const caps = useCapabilities();
  const { params, setParams } = useRouter();
  const t = useTransport();
  const qc = useQueryClient();
  const backups = useBackups({ ...(params.routine ? { routine: params.routine } : {}), ...(params.kind ? { kind: params.kind as 'full' | 'incremental' } : {}) });
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<CatalogBackup | undefined>();
  const [plan, setPlan] = useState<DeletePlan | undefined>();
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>();
  const [copying, setCopying] = useState<CatalogBackup | undefined>();
  const [merging, setMerging] = useState<CatalogBackup | undefined>();
  const ns = params.ns;
  // One clock for every row (each `When` would start its own timer).
  const now = useNow();

  const rows = useMemo(() => {
    const s = search.trim().toLowerCase();
    return (backups.data?.backups ?? []).filter((b) => (!ns || b.namespace === ns) && (!s || b.key.toLowerCase().includes(s) || (b.label ?? '').toLowerCase().includes(s) || b.created.includes(s)));
  }, [backups.data, search, ns]);
  const namespaces = useMemo(() => [...new Set((backups.data?.backups ?? []).map((b) => b.namespace))].sort(), [backups.data]);

  const parent = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });

  const verify = (b: CatalogBackup) =>
    t.verifyBackup(b).then(
      () => notifications.show({ message: `Verifying ${b.kind} backup of ${formatTime(b.timestamp)}: follow it under Jobs` }),
      (e: unknown) => notifications.show({ color: 'red', title: 'Could not verify', message: errorText(e) }),
    );
  const askDelete = (b: CatalogBackup) => {
    setDeleteError(undefined);
    t.planDelete(b).then(setPlan, (e: unknown) => notifications.show({ color: 'red', title: 'Could not plan the delete', message: errorText(e) }));
  };

  return (
    <div>
      <PageHeader title="Catalog" description={backups.data ? `${formatCount(backups.data.total)} backups` : 'Every backup on every storage'} />
      <RecordLookup key={config.data ? 'ready' : 'loading'} config={config.data} routine={params.routine} />
      <Group gap="sm" mb="md" align="flex-end">
        <Select label="Routine" placeholder="All routines" data={Object.keys(config.data?.['backup-routines'] ?? {})} value={params.routine ?? null} onChange={(v) => setParams({ routine: v ?? undefined })} clearable w={180} />
        <Select label="Namespace" placeholder="All" data={namespaces} value={ns ?? null} onChange={(v) => setParams({ ns: v ?? undefined })} clearable w={160} />
        <Select
          label="Kind"
          placeholder="Full and incremental"
          data={[
            { value: 'full', label: 'Full' },
            { value: 'incremental', label: 'Incremental' },
          ]}
          value={params.kind ?? null}
          onChange={(v) => setParams({ kind: v ?? undefined })}
          clearable
          w={200}
        />
        <TextInput label="Search" placeholder="key, label or date" leftSection={<IconSearch size={14} />} value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={240} />
      </Group>
      <ErrorNote error={backups.error} />
      {backups.isPending ? (
        <Skeleton h={300} />
      ) : rows.length === 0 ? (
        <Empty title="No backups here">{backups.data?.total ? 'No backup matches these filters.' : 'Backups appear here as routines run. Start one from the Dashboard with “Back up now”.'}</Empty>
      ) : (
        <div ref={parent} style={{ height: 'calc(100vh - 260px)', minHeight: 300, overflow: 'auto', border: '1px solid var(--mantine-color-default-border)', borderRadius: 8 }} role="listbox" aria-label="Backups">
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((v) => {
              const b = rows[v.index]!;
              return <BackupRow key={`${b.storage}:${b.key}`} b={b} top={v.start} selected={selected?.key === b.key} now={now} onSelect={setSelected} />;
            })}
          </div>
        </div>
      )}
      <Drawer opened={!!selected} onClose={() => setSelected(undefined)} position="right" size="lg" title={<Text fw={650}>Backup details</Text>}>
        {selected ? <Details b={selected} caps={caps.data} onVerify={() => void verify(selected)} onDelete={() => askDelete(selected)} onCopy={() => setCopying(selected)} onMerge={() => setMerging(selected)} /> : null}
      </Drawer>
      <CopyDialog backup={copying} config={config.data} onClose={() => setCopying(undefined)} />
      <MergeDialog backup={merging} config={config.data} onClose={() => setMerging(undefined)} />
      <ConfirmDialog
        opened={!!plan}
        title={plan && plan.backups.length > 1 ? `Delete a full backup and ${plan.backups.length - 1} incrementals?` : 'Delete this backup?'}
        confirmLabel={`Delete ${plan?.backups.length ?? 0} backup${plan?.backups.length === 1 ? '' : 's'}`}
        danger
        typeToConfirm={plan && plan.backups[0]?.kind === 'full' ? plan.backups[0].routine : undefined}
        items={plan?.backups.map((b) => `${b.kind} · ${b.namespace} · ${formatTime(b.timestamp)} · ${formatCount(b['record-count'])} records · ${formatBytes(b['byte-count'])}`)}
        busy={deleting}
        error={deleteError}
        onClose={() => setPlan(undefined)}
        onConfirm={() => {
          if (!plan) return;
          setDeleting(true);
          t.deleteBackup(plan).then(
            () => {
              setPlan(undefined);
              setSelected(undefined);
              void qc.invalidateQueries({ queryKey: ['backups'] });
              notifications.show({ message: 'Deleting: follow it under Jobs' });
            },
            (e: unknown) => setDeleteError(e),
          ).finally(() => setDeleting(false));
        }}
      >
        <Text size="sm">These go from storage and the catalog; restore points that need them are gone too.</Text>
      </ConfirmDialog>
    </div>
  );
}
