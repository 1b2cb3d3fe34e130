import { useMemo } from 'react';
import { Group, Stack, Text } from '@mantine/core';
import cronstrue from 'cronstrue';
import { parseCron } from '../../../../electron/core/scheduler/cron.js';
import { formatRelative, formatTime } from '../../components/format.js';

/** A cron expression in words, and its next runs, as the core's parser reads it. */
export function describeCron(expr: string, timezone?: string, now = Date.now()): { words?: string; next: number[] } {
  const e = expr.trim();
  if (!e) return { next: [] };
  let next: number[];
  try {
    next = parseCron(e, 'cron', timezone ? { timezone } : {}).nextN(now, 3);
  } catch {
    return { next: [] };
  }
  let words: string | undefined;
  try {
    words = e.startsWith('@') ? undefined : cronstrue.toString(e, { use24HourTimeFormat: true, verbose: false, dayOfWeekStartIndexZero: e.split(/\s+/).length === 5 });
  } catch {
    words = undefined;
  }
  return { ...(words ? { words } : {}), next };
}

export function CronHelper({ expr, timezone }: { expr: string; timezone?: string }) {
  const now = Date.now();
  const d = useMemo(() => describeCron(expr, timezone, now), [expr, timezone, now]);
  if (d.next.length === 0) return null;
  return (
    <Stack gap={2} mt={4} aria-live="polite">
      {d.words ? (
        <Text size="xs" fw={600}>
          {d.words}
        </Text>
      ) : null}
      <Group gap={6}>
        <Text size="xs" c="dimmed">
          Next runs:
        </Text>
        {d.next.map((t) => (
          <Text key={t} size="xs" c="dimmed" title={new Date(t).toISOString()}>
            {formatTime(t, now)} ({formatRelative(t, now)})
          </Text>
        ))}
      </Group>
    </Stack>
  );
}
