import { Button, Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Job } from '../../../../shared/schemas/job.js';
import { useCancelJob } from '../../api/queries.js';
import { errorText, StatusBadge, useNow } from '../../components/common.js';
import { etaMs, formatCount, formatDuration, formatRate } from '../../components/format.js';

export function jobTitle(j: Job): string {
  const what = j.type === 'backup' ? `${j['backup-type'] === 'incremental' ? 'Incremental' : 'Full'} backup` : `${j.type[0]!.toUpperCase()}${j.type.slice(1)}`;
  return `${what}${j.routine ? ` of ${j.routine}` : ''}${j.label ? ` · ${j.label}` : ''}`;
}

/** A running job: bar, records, rate, ETA, cancel. Moves by itself as progress events arrive. */
export function JobProgress({ job, onOpen }: { job: Job; onOpen?: () => void }) {
  const cancel = useCancelJob();
  const now = useNow(1000);
  const p = job.progress;
  const pct = p?.['percentage-done'] ?? 0;
  const rate = p?.metrics['records-per-second'] ?? 0;
  const eta = p ? etaMs(p['total-records'], p['done-records'], rate) : undefined;
  const elapsed = job['started-at'] ? now - job['started-at'] : undefined;
  return (
    <Paper withBorder p="md" radius="md" aria-label={`${jobTitle(job)}: ${pct}%`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <StatusBadge status={job.status} />
            <Text fw={600} size="sm" truncate>
              {jobTitle(job)}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {onOpen ? (
              <Button size="compact-sm" variant="subtle" onClick={onOpen}>
                Details
              </Button>
            ) : null}
            <Button
              size="compact-sm"
              variant="light"
              color="red"
              loading={cancel.isPending}
              onClick={() =>
                cancel.mutate(job.id, {
                  onSuccess: () => notifications.show({ message: `${jobTitle(job)}: canceling — what it wrote is removed` }),
                  onError: (e) => notifications.show({ color: 'red', title: 'Could not cancel', message: errorText(e) }),
                })
              }
            >
              Cancel
            </Button>
          </Group>
        </Group>
        <Progress value={pct} size="lg" animated={job.status === 'running'} aria-label="progress" />
        <Group gap="lg" wrap="nowrap">
          <Text size="xs" c="dimmed">
            {pct}% · {formatCount(p?.['done-records'])} of {formatCount(p?.['total-records'])} records
          </Text>
          <Text size="xs" c="dimmed">
            {formatRate(rate)}
          </Text>
          <Text size="xs" c="dimmed">
            {eta !== undefined ? `about ${formatDuration(eta)} left` : job.status === 'pending' ? 'waiting to start' : 'estimating…'}
          </Text>
          {elapsed !== undefined ? (
            <Text size="xs" c="dimmed">
              running for {formatDuration(elapsed)}
            </Text>
          ) : null}
        </Group>
      </Stack>
    </Paper>
  );
}
