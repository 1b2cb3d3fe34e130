import { useMemo } from 'react';
import { Badge, Button, Code, Drawer, Group, MultiSelect, SegmentedControl, Select, SimpleGrid, Skeleton, Stack, Table, Text, Title } from '@mantine/core';
import type { Job, JobQuery } from '../../../../shared/schemas/job.js';
import { JobTypeSchema } from '../../../../shared/schemas/job.js';
import { useConfig, useJob, useJobLog, useJobs, useRunningJobs } from '../../api/queries.js';
import { Empty, ErrorNote, PageHeader, StatusBadge, When, useNow } from '../../components/common.js';
import { formatBytes, formatCount, formatDuration, formatTime } from '../../components/format.js';
import { useRouter } from '../../app/router.js';
import { JobProgress, jobTitle } from './JobProgress.js';

const SPANS = [
  { value: '1d', label: '24 h', ms: 86_400_000 },
  { value: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: '30 days', ms: 30 * 86_400_000 },
  { value: 'all', label: 'All', ms: 0 },
];
const STATUSES = [
  { value: 'success', label: 'Succeeded' },
  { value: 'failure', label: 'Failed' },
  { value: 'canceled', label: 'Canceled' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'running', label: 'Running' },
  { value: 'pending', label: 'Waiting' },
];

const STAT_NAMES: Record<string, string> = { records: 'Records', bytes: 'Bytes', files: 'Files', 'read-records': 'Records read', 'inserted-records': 'Inserted', 'existed-records': 'Already existed', 'fresher-records': 'Kept (newer)', 'skipped-records': 'Skipped', 'expired-records': 'Expired', 'ignored-records': 'Ignored', 'total-bytes': 'Bytes read', 'errors-in-doubt': 'Errors in doubt', 'index-count': 'Indexes', 'udf-count': 'UDFs' };

function statValue(k: string, v: number): string {
  return /bytes/.test(k) ? formatBytes(v) : formatCount(v);
}

export function JobDetails({ id }: { id: string }) {
  const q = useJob(id);
  const live = useRunningJobs().find((j) => j.id === id);
  const job = live ?? q.data;
  if (q.error && !job) return <ErrorNote error={q.error} />;
  if (!job) return <Skeleton h={200} />;
  const duration = job['started-at'] && job['finished-at'] ? job['finished-at'] - job['started-at'] : undefined;
  return (
    <Stack>
      <Group gap="sm">
        <StatusBadge status={job.status} interrupted={job.interrupted} />
        <Text fw={650}>{jobTitle(job)}</Text>
      </Group>
      {job.status === 'running' || job.status === 'pending' ? <JobProgress job={job} /> : null}
      {job.error ? <ErrorNote error={new Error(job.error)} title="Why it failed" /> : null}
      {job.reason ? <Text size="sm">Skipped because: {job.reason}</Text> : null}
      <SimpleGrid cols={2} spacing="xs">
        <Text size="sm" c="dimmed">
          Created
        </Text>
        <Text size="sm">{formatTime(job['created-at'])}</Text>
        <Text size="sm" c="dimmed">
          Started
        </Text>
        <Text size="sm">{job['started-at'] ? formatTime(job['started-at']) : '—'}</Text>
        <Text size="sm" c="dimmed">
          Finished
        </Text>
        <Text size="sm">{job['finished-at'] ? formatTime(job['finished-at']) : '—'}</Text>
        <Text size="sm" c="dimmed">
          Duration
        </Text>
        <Text size="sm">{formatDuration(duration)}</Text>
        <Text size="sm" c="dimmed">
          Trigger
        </Text>
        <Text size="sm">{job.trigger}</Text>
        <Text size="sm" c="dimmed">
          Job id
        </Text>
        <Text size="sm" className="tm-mono">
          {job.id}
        </Text>
      </SimpleGrid>
      {job.stats && Object.keys(job.stats).length ? (
        <>
          <Title order={3} size="h5">
            Statistics
          </Title>
          <Table withRowBorders={false} verticalSpacing={2}>
            <Table.Tbody>
              {Object.entries(job.stats).map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Td c="dimmed">{STAT_NAMES[k] ?? k}</Table.Td>
                  <Table.Td ta="right" fw={600}>
                    {statValue(k, v)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      ) : null}
      {job.hooks?.length ? (
        <>
          <Title order={3} size="h5">
            Hooks
          </Title>
          <Table verticalSpacing={4}>
            <Table.Tbody>
              {job.hooks.map((h, i) => (
                <Table.Tr key={i}>
                  <Table.Td>
                    <Badge color={h.ok ? 'green' : 'red'} variant="light">
                      {h.ok ? 'ok' : h['timed-out'] ? 'timed out' : 'failed'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>on {h.event}</Table.Td>
                  <Table.Td className="tm-mono">{h.target}</Table.Td>
                  <Table.Td>{h['exit-code'] !== undefined ? `exit ${h['exit-code']}` : h['http-status'] !== undefined ? `HTTP ${h['http-status']}` : ''}</Table.Td>
                  <Table.Td>{formatDuration(h['duration-ms'])}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {job.hooks.filter((h) => h.message).map((h, i) => (
            <Code block key={i}>
              {h.message}
            </Code>
          ))}
        </>
      ) : null}
      {job.details && Object.keys(job.details).length ? (
        <>
          <Title order={3} size="h5">
            Details
          </Title>
          <Code block style={{ maxHeight: 260, overflow: 'auto' }}>
            {JSON.stringify(job.details, null, 2)}
          </Code>
        </>
      ) : null}
      <JobLog id={job.id} running={job.status === 'running' || job.status === 'pending'} />
    </Stack>
  );
}

/** The job's log lines, as the server's logger wrote them (secrets redacted there). */
function JobLog({ id, running }: { id: string; running: boolean }) {
  const log = useJobLog(id, running);
  if (log.isError) return <ErrorNote error={log.error} />;
  if (!log.data?.length) return null;
  return (
    <>
      <Title order={3} size="h5">
        Log
      </Title>
      <Code block style={{ maxHeight: 260, overflow: 'auto' }} aria-label="Job log">
        {log.data.map((l) => `${new Date(l.time).toLocaleTimeString()}  ${l.level.padEnd(5)}  ${l.message}`).join('\n')}
      </Code>
    </>
  );
}

export function JobsPage() {
  const { params, setParams } = useRouter();
  const config = useConfig();
  const now = useNow(60_000);
  const span = SPANS.find((s) => s.value === (params.span ?? '7d')) ?? SPANS[1]!;
  const statuses = params.status ? params.status.split(',') : [];
  const types = params.type ? params.type.split(',') : [];
  const query: JobQuery = useMemo(
    () => ({
      limit: 500,
      ...(types.length ? { type: types as JobQuery['type'] } : {}),
      ...(params.routine ? { routine: params.routine } : {}),
      ...(statuses.length ? { status: statuses.join(',') } : {}),
      ...(span.ms ? { from: Math.floor((now - span.ms) / 60_000) * 60_000 } : {}),
    }),
    [params.type, params.routine, params.status, span.ms, Math.floor(now / 60_000)],
  );
  const jobs = useJobs(query);
  const running = useRunningJobs();

  return (
    <div>
      <PageHeader title="Jobs" description="Every backup, restore, verify and clean-up Tidemark ran, live while they run." />
      {running.length ? (
        <Stack gap="sm" mb="xl">
          {running.map((j) => (
            <JobProgress key={j.id} job={j} onOpen={() => setParams({ job: j.id })} />
          ))}
        </Stack>
      ) : null}
      <Group gap="sm" mb="md" align="flex-end">
        <MultiSelect label="Type" placeholder="All types" data={JobTypeSchema.options} value={types} onChange={(v) => setParams({ type: v.length ? v.join(',') : undefined })} w={220} clearable />
        <Select label="Routine" placeholder="All routines" data={Object.keys(config.data?.['backup-routines'] ?? {})} value={params.routine ?? null} onChange={(v) => setParams({ routine: v ?? undefined })} clearable w={180} />
        <MultiSelect label="Status" placeholder="Any status" data={STATUSES} value={statuses} onChange={(v) => setParams({ status: v.length ? v.join(',') : undefined })} w={240} clearable />
        <div>
          <Text size="sm" fw={500} mb={4} id="span-label">
            Time
          </Text>
          <SegmentedControl aria-labelledby="span-label" data={SPANS.map(({ value, label }) => ({ value, label }))} value={span.value} onChange={(v) => setParams({ span: v })} />
        </div>
      </Group>
      <ErrorNote error={jobs.error} />
      {jobs.isPending ? (
        <Skeleton h={200} />
      ) : (jobs.data ?? []).length === 0 ? (
        <Empty title="No jobs match">Widen the time span or clear a filter. Jobs appear here as soon as a backup or restore starts.</Empty>
      ) : (
        <Table highlightOnHover verticalSpacing="xs" stickyHeader>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Status</Table.Th>
              <Table.Th>Job</Table.Th>
              <Table.Th>Started</Table.Th>
              <Table.Th>Duration</Table.Th>
              <Table.Th ta="right">Records</Table.Th>
              <Table.Th ta="right">Size</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(jobs.data ?? []).map((j: Job) => (
              <Table.Tr key={j.id}>
                <Table.Td>
                  <StatusBadge status={j.status} interrupted={j.interrupted} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{jobTitle(j)}</Text>
                  {j.error || j.reason ? (
                    <Text size="xs" c={j.error ? 'var(--mantine-color-error)' : 'dimmed'} lineClamp={1}>
                      {j.error ?? j.reason}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <When ms={j['started-at'] ?? j['created-at']} />
                </Table.Td>
                <Table.Td>{j['started-at'] && j['finished-at'] ? formatDuration(j['finished-at'] - j['started-at']) : '—'}</Table.Td>
                <Table.Td ta="right">{formatCount(j.stats?.records ?? j.stats?.['read-records'])}</Table.Td>
                <Table.Td ta="right">{formatBytes(j.stats?.bytes ?? j.stats?.['total-bytes'])}</Table.Td>
                <Table.Td>
                  <Button size="compact-sm" variant="subtle" onClick={() => setParams({ job: j.id })} aria-label={`Details of ${jobTitle(j)}`}>
                    Details
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Drawer opened={!!params.job} onClose={() => setParams({ job: undefined })} position="right" size="lg" title={<Text fw={650}>Job details</Text>}>
        {params.job ? <JobDetails id={params.job} /> : null}
      </Drawer>
    </div>
  );
}
