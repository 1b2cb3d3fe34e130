/** The few shared pieces: status badge, times with the exact time on hover, errors, empty states, confirmation. */
import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Badge, Button, EmptyState, Group, List, Modal, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { Job } from '../../../shared/schemas/job.js';
import { STATUS_COLOR } from '../app/theme.js';
import { TransportError } from '../api/transport.js';
import { formatRelative, formatTime } from './format.js';

const STATUS_TEXT: Record<Job['status'], string> = { pending: 'Waiting', running: 'Running', success: 'Succeeded', failure: 'Failed', canceled: 'Canceled', skipped: 'Skipped' };

export function StatusBadge({ status, interrupted }: { status: Job['status']; interrupted?: boolean | undefined }) {
  return (
    <Badge color={STATUS_COLOR[status]} variant={status === 'running' ? 'filled' : 'light'} className="tm-nowrap" miw="max-content">
      {interrupted ? 'Interrupted' : STATUS_TEXT[status]}
    </Badge>
  );
}

/** Re-renders every `ms` so relative times move by themselves. */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** "3 min ago", with the local time and ISO on hover. */
export function When({ ms, prefix = '' }: { ms: number | undefined; prefix?: string }) {
  const now = useNow();
  if (ms === undefined) return <span>—</span>;
  return (
    <Tooltip label={`${formatTime(ms, now)} · ${new Date(ms).toISOString()}`} withArrow>
      <time dateTime={new Date(ms).toISOString()} className="tm-nowrap" tabIndex={0}>
        {prefix}
        {formatRelative(ms, now)}
      </time>
    </Tooltip>
  );
}

export function errorText(err: unknown): string {
  if (err instanceof TransportError) return err.status === 0 ? err.message : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** An error next to what caused it. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={title} role="alert">
      {errorText(error)}
    </Alert>
  );
}

export function Empty({ title, children, icon, action }: { title: string; children: ReactNode; icon?: ReactNode; action?: ReactNode }) {
  return (
    <EmptyState my="xl" title={title} description={children} icon={icon} variant="light">
      {action ? <EmptyState.Actions>{action}</EmptyState.Actions> : null}
    </EmptyState>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-start" mb="lg" wrap="nowrap">
      <div>
        <Title order={1} size="h2">
          {title}
        </Title>
        {description ? (
          <Text c="dimmed" size="sm" mt={4}>
            {description}
          </Text>
        ) : null}
      </div>
      {actions ? <Group gap="sm">{actions}</Group> : null}
    </Group>
  );
}

/**
 * A destructive action: says what goes, and (optionally) asks for a word to be typed.
 */
export function ConfirmDialog(props: {
  opened: boolean;
  title: string;
  children?: ReactNode;
  items?: ReactNode[];
  confirmLabel: string;
  typeToConfirm?: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm(): void;
  onClose(): void;
}) {
  const [typed, setTyped] = useState('');
  useEffect(() => {
    if (!props.opened) setTyped('');
  }, [props.opened]);
  const ok = !props.typeToConfirm || typed === props.typeToConfirm;
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={<Text fw={650}>{props.title}</Text>} centered size="lg">
      <Stack gap="md">
        {props.children}
        {props.items?.length ? (
          <List size="sm" spacing={4}>
            {props.items.map((item, i) => (
              <List.Item key={i}>{item}</List.Item>
            ))}
          </List>
        ) : null}
        {props.typeToConfirm ? (
          <TextInput
            label={
              <>
                Type <b>{props.typeToConfirm}</b> to confirm
              </>
            }
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            data-autofocus
          />
        ) : null}
        <ErrorNote error={props.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button color={props.danger ? 'red' : undefined} disabled={!ok} loading={props.busy} onClick={props.onConfirm}>
            {props.confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
