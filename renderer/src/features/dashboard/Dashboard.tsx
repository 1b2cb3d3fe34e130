import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { Badge, Button, Card, Group, Menu, Paper, SimpleGrid, Skeleton, Stack, Stepper, Text, ThemeIcon, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconChevronDown, IconCircleCheck, IconDatabase, IconFolder, IconRoute } from '@tabler/icons-react';
import { useBackups, useConfig, useJobs, useRunningJobs, useSchedule, useTriggerBackup } from '../../api/queries.js';
import { ErrorNote, errorText, PageHeader, When, useNow } from '../../components/common.js';
import { formatBytes, formatCount, formatDuration } from '../../components/format.js';
import { useRouter } from '../../app/router.js';
import { JobProgress } from '../jobs/JobProgress.js';
import { routineHealth, summary, type RoutineHealth } from './health.js';

// The charts (and their library) load only once there is something to chart.
const SizeChart = lazy(() => import('./charts.js').then((m) => ({ default: m.SizeChart })));
const DurationChart = lazy(() => import('./charts.js').then((m) => ({ default: m.DurationChart })));

const HEALTH_UI: Record<RoutineHealth['health'], { color: string; label: string }> = {
  ok: { color: 'green', label: 'Protected' },
  stale: { color: 'yellow', label: 'Stale' },
  failed: { color: 'red', label: 'Last run failed' },
  never: { color: 'yellow', label: 'No backup yet' },
  disabled: { color: 'gray', label: 'Disabled' },
};

function FirstRun({ clusters, storages, routines }: { clusters: number; storages: number; routines: number }) {
  const go = useRouter((s) => s.go);
  const active = clusters === 0 ? 0 : storages === 0 ? 1 : routines === 0 ? 2 : 3;
  return (
    <Paper withBorder p="xl" radius="md">
      <Title order={2} size="h3" mb="xs">
        Protect your first cluster in three steps
      </Title>
      <Text c="dimmed" size="sm" mb="lg">
        Tell Tidemark where the data is, where backups go, and when to take them. Each step checks its input as you type.
      </Text>
      <Stepper active={active} size="sm">
        <Stepper.Step label="Cluster" description="Seed nodes and credentials" icon={<IconDatabase size={18} />}>
          <Button mt="md" onClick={() => go('clusters', { new: '1' })}>
            Add a cluster
          </Button>
        </Stepper.Step>
        <Stepper.Step label="Storage" description="A folder or an S3 bucket" icon={<IconFolder size={18} />}>
          <Button mt="md" onClick={() => go('storage', { new: '1' })}>
            Add a storage
          </Button>
        </Stepper.Step>
        <Stepper.Step label="Routine" description="What to back up, and when" icon={<IconRoute size={18} />}>
          <Button mt="md" onClick={() => go('routines', { new: '1' })}>
            Create a routine
          </Button>
        </Stepper.Step>
      </Stepper>
    </Paper>
  );
}

function RoutineCard({ h, next }: { h: RoutineHealth; next: number | undefined }) {
  const trigger = useTriggerBackup();
  const go = useRouter((s) => s.go);
  const ui = HEALTH_UI[h.health];
  const run = (kind: 'full' | 'incremental') =>
    trigger.mutate(
      { routine: h.name, kind },
      {
        onSuccess: (job) => notifications.show({ color: job.status === 'skipped' ? 'yellow' : 'blue', message: job.status === 'skipped' ? `${h.name}: skipped (${job.reason ?? 'busy'})` : `${h.name}: ${kind} backup started` }),
        onError: (e) => notifications.show({ color: 'red', title: `Could not start a backup of ${h.name}`, message: errorText(e) }),
      },
    );
  return (
    <Card withBorder radius="md" padding="md" style={{ borderLeft: `4px solid var(--mantine-color-${ui.color}-6)` }} aria-label={`routine ${h.name}: ${ui.label}`}>
      <Group justify="space-between" wrap="nowrap" mb="xs">
        <Text fw={650} truncate>
          {h.name}
        </Text>
        <Badge color={ui.color} variant="light">
          {ui.label}
        </Badge>
      </Group>
      <Stack gap={4}>
        <Text size="sm">
          Newest restore point: {h.newest !== undefined ? <When ms={h.newest} /> : <b>none yet</b>}
          {h.intervalMs ? <Text span c="dimmed" size="sm">{` · runs every ${formatDuration(h.intervalMs)}`}</Text> : null}
        </Text>
        <Text size="sm">Next run: {next !== undefined ? <When ms={next} /> : <Text span c="dimmed">not scheduled</Text>}</Text>
        <Text size="sm" c="dimmed">
          {formatCount(h.backups)} backups · {formatBytes(h.bytes)}
        </Text>
        {h.health !== 'ok' && h.health !== 'disabled' ? (
          <Text size="sm" c={`var(--mantine-color-${ui.color}-light-color)`} lineClamp={2}>
            {h.reason}
          </Text>
        ) : null}
      </Stack>
      <Group mt="md" gap="xs">
        <Button.Group>
          <Button size="xs" loading={trigger.isPending} onClick={() => run('full')}>
            Back up now
          </Button>
          <Menu position="bottom-end">
            <Menu.Target>
              <Button size="xs" px={6} aria-label={`more backup options for ${h.name}`}>
                <IconChevronDown size={14} />
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => run('incremental')} disabled={h.newest === undefined}>
                Incremental backup now
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Button.Group>
        <Button size="xs" variant="default" onClick={() => go('restore', { routine: h.name })}>
          Restore…
        </Button>
      </Group>
    </Card>
  );
}

export function Dashboard() {
  const config = useConfig();
  const schedule = useSchedule();
  const backups = useBackups({});
  const jobs = useJobs({ type: ['backup'], limit: 500 });
  const running = useRunningJobs();
  const go = useRouter((s) => s.go);
  const now = useNow(30_000);

  const routines = Object.entries(config.data?.['backup-routines'] ?? {});
  const healths = useMemo(
    () => routines.map(([name, r]) => routineHealth(name, r, backups.data?.backups ?? [], jobs.data ?? [], now, formatDuration)),
    [config.data, backups.data, jobs.data, now],
  );
  const sum = summary(healths);

  const storageUse = useMemo(() => {
    const m = new Map<string, { bytes: number; count: number }>();
    for (const b of backups.data?.backups ?? []) {
      const e = m.get(b.storage) ?? { bytes: 0, count: 0 };
      e.bytes += b['byte-count'] ?? 0;
      e.count++;
      m.set(b.storage, e);
    }
    return [...m.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  }, [backups.data]);

  const chart = useMemo(
    () =>
      (jobs.data ?? [])
        .filter((j) => j.status === 'success' && j['finished-at'] && j['started-at'])
        .sort((a, b) => a['finished-at']! - b['finished-at']!)
        .slice(-40)
        .map((j) => ({
          when: new Date(j['started-at']!).toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
          MB: Math.round(((j.stats?.bytes ?? 0) / 1e6) * 100) / 100,
          seconds: Math.round((j['finished-at']! - j['started-at']!) / 100) / 10,
        })),
    [jobs.data],
  );

  if (config.isPending) return <Skeleton h={300} />;
  if (config.error) return <ErrorNote error={config.error} title="Tidemark's configuration could not be read" />;
  const c = config.data;
  const active = running.filter((j) => j.status === 'running' || j.status === 'pending');

  return (
    <div>
      <PageHeader title="Dashboard" />
      <Group gap="sm" mb="lg" wrap="nowrap">
        <ThemeIcon size={36} radius="xl" color={sum.ok ? 'green' : routines.length ? 'yellow' : 'gray'} variant="light">
          {sum.ok ? <IconCircleCheck size={22} /> : <IconAlertTriangle size={22} />}
        </ThemeIcon>
        <Title order={2} size="h3" data-testid="summary">
          {sum.text}
        </Title>
      </Group>

      {routines.length === 0 ? (
        <FirstRun clusters={Object.keys(c['aerospike-clusters']).length} storages={Object.keys(c.storage).length} routines={0} />
      ) : (
        <SimpleGrid cols={{ base: 2, lg: 3 }} spacing="md" mb="xl">
          {healths.map((h) => {
            const s = schedule.data?.find((x) => x.routine === h.name);
            const next = [s?.full, s?.incremental].filter((x): x is number => x !== undefined);
            return <RoutineCard key={h.name} h={h} next={next.length ? Math.min(...next) : undefined} />;
          })}
        </SimpleGrid>
      )}

      <Title order={2} size="h4" mt="xl" mb="sm">
        Running now
      </Title>
      {active.length === 0 ? (
        <Text c="dimmed" size="sm" mb="lg">
          Nothing is running. Scheduled backups start by themselves; “Back up now” starts one at once.
        </Text>
      ) : (
        <Stack gap="sm" mb="lg">
          {active.map((j) => (
            <JobProgress key={j.id} job={j} onOpen={() => go('jobs', { job: j.id })} />
          ))}
        </Stack>
      )}

      <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="md" mt="xl">
        <Paper withBorder p="md" radius="md">
          <Title order={2} size="h5" mb="sm">
            Storage used
          </Title>
          <ErrorNote error={backups.error} />
          {storageUse.length === 0 ? (
            <Text size="sm" c="dimmed">
              No backups stored yet.
            </Text>
          ) : (
            <Stack gap={6}>
              {storageUse.map(([name, u]) => (
                <Group key={name} justify="space-between">
                  <Text size="sm">{name}</Text>
                  <Tooltip label={`${formatCount(u.count)} backups`}>
                    <Text size="sm" fw={600}>
                      {formatBytes(u.bytes)}
                    </Text>
                  </Tooltip>
                </Group>
              ))}
            </Stack>
          )}
        </Paper>
        <ChartCard title="Backup size (MB)" points={chart.length}>
          <SizeChart data={chart} />
        </ChartCard>
        <ChartCard title="Backup duration (s)" points={chart.length}>
          <DurationChart data={chart} />
        </ChartCard>
      </SimpleGrid>
    </div>
  );
}

/** A chart over time; it needs two backups to draw a line, and loads the chart code on demand. */
function ChartCard({ title, points, children }: { title: string; points: number; children: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={2} size="h5" mb="sm">
        {title}
      </Title>
      {points < 2 ? (
        <Text size="sm" c="dimmed">
          The chart appears after two successful backups.
        </Text>
      ) : (
        <Suspense fallback={<Skeleton h={160} />}>{children}</Suspense>
      )}
    </Paper>
  );
}
