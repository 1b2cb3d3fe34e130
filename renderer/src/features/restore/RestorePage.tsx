import { useEffect, useMemo, useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, NumberInput, Paper, SegmentedControl, Select, SimpleGrid, Skeleton, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { IconAlertTriangle, IconHistory } from '@tabler/icons-react';
import type { AbsRestorePolicy, AbsRestoreTimestampRequest } from '../../../../shared/schemas/rest.js';
import { useTransport } from '../../api/context.js';
import { useCapabilities, useConfig, useJob, useRunningJobs, useTimeline } from '../../api/queries.js';
import { Empty, ErrorNote, PageHeader, useNow } from '../../components/common.js';
import { formatBytes, formatCount, formatTime, plural } from '../../components/format.js';
import { useRouter } from '../../app/router.js';
import { JobProgress } from '../jobs/JobProgress.js';
import { JobDetails } from '../jobs/JobsPage.js';
import { Timeline } from './Timeline.js';
import { buildMarks, chainAt, chainFromPlan, effectiveSentence, restorePoints, zoomRange, ZOOMS, type Chain, type ZoomId } from './timeline-model.js';

type Conflict = 'generation' | 'overwrite' | 'missing';
const CONFLICTS: Array<{ value: Conflict; label: string; sentence: string }> = [
  { value: 'generation', label: 'Keep newer records', sentence: 'records with a newer generation in the cluster are kept' },
  { value: 'overwrite', label: 'Overwrite all', sentence: 'records already in the cluster are overwritten whatever their generation' },
  { value: 'missing', label: 'Only add missing', sentence: 'records that already exist are left alone' },
];

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

export function restoreSummary(o: { records: number; namespace: string; destNamespace: string; cluster: string; conflict: Conflict; sets: string[]; bins: string[] }): string {
  const what = `${formatCount(o.records)} records${o.sets.length ? ` of set${o.sets.length === 1 ? '' : 's'} ${o.sets.join(', ')}` : ''}${o.bins.length ? ` (bins ${o.bins.join(', ')} only)` : ''}`;
  const where = o.destNamespace !== o.namespace ? `namespace ${o.destNamespace} (from ${o.namespace})` : `namespace ${o.namespace}`;
  return `Write up to ${what} into ${where} on cluster ${o.cluster}; ${CONFLICTS.find((c) => c.value === o.conflict)!.sentence}.`;
}

function LiveRestore({ jobId, onDone }: { jobId: string; onDone(): void }) {
  const live = useRunningJobs().find((j) => j.id === jobId);
  const q = useJob(jobId);
  const job = live ?? q.data;
  return (
    <Paper withBorder p="lg" radius="md">
      <Title order={2} size="h4" mb="sm">
        Restore as of the chosen time
      </Title>
      {job && (job.status === 'running' || job.status === 'pending') ? <JobProgress job={job} /> : <JobDetails id={jobId} />}
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onDone}>
          Back to the timeline
        </Button>
      </Group>
    </Paper>
  );
}

export function RestorePage() {
  const t = useTransport();
  const config = useConfig();
  const caps = useCapabilities();
  const { params, setParams } = useRouter();
  const now = useNow(30_000);
  const routines = Object.keys(config.data?.['backup-routines'] ?? {});
  const routine = params.routine && routines.includes(params.routine) ? params.routine : routines[0];
  const namespace = params.ns || undefined;
  const timeline = useTimeline(routine, namespace ? { namespace } : {});
  const marks = useMemo(() => buildMarks(timeline.data?.points ?? [], timeline.data?.marks ?? [], namespace), [timeline.data, namespace]);
  const points = useMemo(() => restorePoints(marks), [marks]);
  const namespaces = useMemo(() => [...new Set((timeline.data?.points ?? []).map((b) => b.namespace))].sort(), [timeline.data]);

  const [cursor, setCursor] = useState<number | undefined>();
  const [committed, setCommitted] = useState<number | undefined>();
  const [zoom, setZoom] = useState<ZoomId | undefined>();
  useEffect(() => {
    // A new routine: the cursor on its newest restore point, zoomed to fit.
    setCursor(undefined);
    setCommitted(undefined);
    setZoom(undefined);
  }, [routine, namespace]);
  const effectiveCursor = cursor ?? points[points.length - 1] ?? now;
  // First view: every mark fits; the zoom levels narrow it down.
  const z = zoom ?? 'all';
  const range = zoomRange(z, marks, now, effectiveCursor);

  // The server's plan for the chosen time, when it has a catalog; the client's chain while moving.
  const planQuery = useTimeline(caps.data?.catalog && committed !== undefined ? routine : undefined, { ...(namespace ? { namespace } : {}), ...(committed !== undefined ? { time: committed } : {}) });
  const chain: Chain = useMemo(() => {
    const plan = planQuery.data?.plan;
    if (plan && committed === effectiveCursor && plan.requested === committed) return chainFromPlan(plan);
    return chainAt(timeline.data?.points ?? [], effectiveCursor, namespace);
  }, [planQuery.data, committed, effectiveCursor, timeline.data, namespace]);

  // Destination and options.
  const r = routine ? config.data?.['backup-routines'][routine] : undefined;
  const [dest, setDest] = useState<string | null>(null);
  const destCluster = dest ?? r?.['source-cluster'] ?? null;
  const chainNamespaces = [...new Set(chain.steps.map((b) => b.namespace))];
  const [mapFrom, setMapFrom] = useState<string | null>(null);
  const sourceNs = mapFrom && chainNamespaces.includes(mapFrom) ? mapFrom : chainNamespaces[0];
  const [destNs, setDestNs] = useState('');
  const [sets, setSets] = useState<string[]>([]);
  const [bins, setBins] = useState<string[]>([]);
  const [conflict, setConflict] = useState<Conflict>('generation');
  const [parallel, setParallel] = useState<number | string>(4);
  const [noIndexes, setNoIndexes] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>();
  const running = params.restoreJob;

  if (config.isPending) return <Skeleton h={300} />;
  if (config.error) return <ErrorNote error={config.error} />;
  if (!routine) {
    return (
      <div>
        <PageHeader title="Restore" />
        <Empty title="Nothing to restore yet" icon={<IconHistory />}>
          Restore points appear here once a routine has backed up. Create a routine under Setup → Routines, then “Back up now”.
        </Empty>
      </div>
    );
  }
  if (running) {
    return (
      <div>
        <PageHeader title="Restore" description={`Routine ${routine}`} />
        <LiveRestore jobId={running} onDone={() => setParams({ restoreJob: undefined })} />
      </div>
    );
  }

  const target = destNs.trim() || sourceNs || '';
  const summaryText = restoreSummary({ records: chain.records, namespace: sourceNs ?? '', destNamespace: target, cluster: destCluster ?? '', conflict, sets, bins });

  const start = async () => {
    if (chain.effective === undefined || !destCluster) return;
    setStarting(true);
    setStartError(undefined);
    const policy: AbsRestorePolicy = {
      parallel: Number(parallel) || 4,
      ...(conflict === 'overwrite' ? { 'no-generation': true } : {}),
      ...(conflict === 'missing' ? { unique: true } : {}),
      ...(sourceNs && target && target !== sourceNs ? { namespace: { source: sourceNs, destination: target } } : {}),
      ...(sets.length ? { 'set-list': sets } : {}),
      ...(bins.length ? { 'bin-list': bins } : {}),
      ...(noIndexes ? { 'no-indexes': true } : {}),
    } as AbsRestorePolicy;
    const req: AbsRestoreTimestampRequest = { routine, time: effectiveCursor, 'destination-name': destCluster, policy };
    try {
      const { jobNumber } = await t.restoreToTime(req);
      const status = await t.restoreStatus(jobNumber);
      setConfirming(false);
      setParams({ restoreJob: status['job-id'] });
    } catch (err) {
      setStartError(err);
    } finally {
      setStarting(false);
    }
  };

  return (
    <div>
      <PageHeader title="Restore" description="Pick a routine and a time; see exactly what will be applied; then choose where it goes." />
      <Group gap="md" mb="md" align="flex-end">
        <Select label="Routine" data={routines} value={routine} onChange={(v) => setParams({ routine: v ?? undefined, ns: undefined })} allowDeselect={false} w={200} />
        <Select label="Namespace" data={[{ value: '', label: 'All namespaces' }, ...namespaces.map((n) => ({ value: n, label: n }))]} value={namespace ?? ''} onChange={(v) => setParams({ ns: v || undefined })} allowDeselect={false} w={180} />
        <TextInput
          label="Restore to (your time zone)"
          type="datetime-local"
          step={1}
          value={toLocalInput(effectiveCursor)}
          onChange={(e) => {
            const ms = new Date(e.currentTarget.value).getTime();
            if (Number.isFinite(ms)) {
              setCursor(Math.min(ms, now));
              setCommitted(Math.min(ms, now));
            }
          }}
          w={230}
        />
        <div>
          <Text size="sm" fw={500} mb={4} id="zoom-label">
            Zoom
          </Text>
          <SegmentedControl aria-labelledby="zoom-label" size="xs" data={ZOOMS.map((x) => ({ value: x.id, label: x.label }))} value={z} onChange={(v) => setZoom(v as ZoomId)} />
        </div>
      </Group>

      <ErrorNote error={timeline.error} />
      {timeline.isPending ? (
        <Skeleton h={120} />
      ) : marks.length === 0 ? (
        <Empty title={`No restore points for ${routine} yet`}>Its first backup makes one. Start it from the Dashboard with “Back up now”, or wait for the schedule.</Empty>
      ) : (
        <>
          <Timeline
            marks={marks}
            points={points}
            range={range}
            cursor={effectiveCursor}
            chain={chain}
            now={now}
            label={`Restore time for routine ${routine}`}
            onCursor={(tm, commit) => {
              setCursor(tm);
              if (commit) setCommitted(tm);
            }}
          />
          <Group gap="lg" mt={6}>
            <Text size="xs" c="dimmed">
              <span style={{ color: 'var(--tm-full)' }}>▮</span> full · <span style={{ color: 'var(--tm-incr)' }}>▮</span> incremental · <span style={{ color: 'var(--tm-failed)' }}>✕</span> failed · <span style={{ color: 'var(--tm-skipped)' }}>●</span> skipped
            </Text>
            <Text size="xs" c="dimmed">
              Click or drag to pick a time; ← → step between restore points, Home/End jump to the first/last.
            </Text>
          </Group>
        </>
      )}

      {marks.length > 0 ? (
        <SimpleGrid cols={2} spacing="lg" mt="lg">
          <Paper withBorder p="md" radius="md">
            <Title order={2} size="h4" mb="xs">
              What will be applied
            </Title>
            <Text fw={600} data-testid="effective">
              {effectiveSentence(chain, (ms) => formatTime(ms, now))}
            </Text>
            {chain.effective !== undefined ? (
              <>
                <Text size="sm" c="dimmed" mb="sm">
                  {plural(chain.steps.length, 'backup')} · {formatCount(chain.records)} records · {formatBytes(chain.bytes)} read
                </Text>
                {chain.warnings.map((w) => (
                  <Alert key={w.code + w.key} color={w.code === 'unverified' ? 'gray' : 'yellow'} icon={<IconAlertTriangle size={16} />} mb="xs" p="xs">
                    <Text size="sm">{w.message}</Text>
                  </Alert>
                ))}
                <Table verticalSpacing={4} fz="sm">
                  <Table.Tbody>
                    {chain.steps.map((b, i) => (
                      <Table.Tr key={b.key}>
                        <Table.Td>{i + 1}.</Table.Td>
                        <Table.Td>
                          <Badge variant="light" size="sm" tt="none" color={b.kind === 'full' ? 'indigo' : 'cyan'}>
                            {b.kind}
                          </Badge>
                        </Table.Td>
                        <Table.Td>{b.namespace}</Table.Td>
                        <Table.Td title={b.created} className="tm-nowrap">
                          {formatTime(b.timestamp, now)}
                        </Table.Td>
                        <Table.Td ta="right">{formatCount(b['record-count'])}</Table.Td>
                        <Table.Td ta="right">{formatBytes(b['byte-count'])}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </>
            ) : null}
          </Paper>
          <Paper withBorder p="md" radius="md">
            <Title order={2} size="h4" mb="xs">
              Where it goes
            </Title>
            <Stack gap="sm">
              <Select label="Destination cluster" data={Object.keys(config.data['aerospike-clusters'])} value={destCluster} onChange={setDest} allowDeselect={false} />
              <Group grow>
                <Select label="From namespace" data={chainNamespaces} value={sourceNs ?? null} onChange={setMapFrom} disabled={chainNamespaces.length < 2} allowDeselect={false} />
                <TextInput label="Into namespace" placeholder={sourceNs} value={destNs} onChange={(e) => setDestNs(e.currentTarget.value)} />
              </Group>
              <Group grow>
                <TagsInput label="Only sets" placeholder="All sets" value={sets} onChange={setSets} />
                <TagsInput label="Only bins" placeholder="All bins" value={bins} onChange={setBins} />
              </Group>
              <div>
                <Text size="sm" fw={500} mb={4} id="conflict-label">
                  When a record exists
                </Text>
                <SegmentedControl aria-labelledby="conflict-label" fullWidth data={CONFLICTS.map(({ value, label }) => ({ value, label }))} value={conflict} onChange={(v) => setConflict(v as Conflict)} />
              </div>
              <Group grow align="flex-end">
                <NumberInput label="Parallel writers" min={1} max={256} value={parallel} onChange={setParallel} />
                <Checkbox label="Skip secondary indexes" checked={noIndexes} onChange={(e) => setNoIndexes(e.currentTarget.checked)} mb={8} />
              </Group>
              <Button size="md" mt="xs" disabled={chain.effective === undefined || !destCluster} onClick={() => setConfirming(true)}>
                Restore…
              </Button>
            </Stack>
          </Paper>
        </SimpleGrid>
      ) : null}

      <Modal opened={confirming} onClose={() => setConfirming(false)} title={<Text fw={650}>Restore {routine}?</Text>} centered size="lg">
        <Stack>
          <Text>{summaryText}</Text>
          <Text size="sm" c="dimmed">
            {effectiveSentence(chain, (ms) => formatTime(ms, now))}. {plural(chain.steps.length, 'backup')} ({formatBytes(chain.bytes)}) are applied in order; nothing is deleted from the cluster.
          </Text>
          <ErrorNote error={startError} title="The restore did not start" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
            <Button onClick={() => void start()} loading={starting} data-autofocus>
              Restore now
            </Button>
          </Group>
        </Stack>
      </Modal>
    </div>
  );
}
