/**
 * "Copy to…" and "Merge…" for a backup in the catalog: a storage picker and a confirmation that
 * says what will be written; each starts a job (followed under Jobs), errors stay in the dialog.
 */
import { useEffect, useState } from 'react';
import { Checkbox, Select, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { CatalogBackup } from '../../../../shared/schemas/catalog.js';
import type { Config } from '../../../../shared/schemas/config.js';
import { useTransport } from '../../api/context.js';
import { TransportError } from '../../api/transport.js';
import { ConfirmDialog } from '../../components/common.js';
import { formatTime } from '../../components/format.js';

/** The message of an issue naming `field`, for the picker; other refusals go to the dialog. */
function split(err: unknown, field: string): { field?: string; rest?: unknown } {
  if (err instanceof TransportError) {
    const m = err.forField(field)[0];
    if (m) return { field: m };
  }
  return { rest: err };
}

export function CopyDialog({ backup, config, onClose }: { backup: CatalogBackup | undefined; config: Config | undefined; onClose(): void }) {
  const t = useTransport();
  const storages = Object.keys(config?.storage ?? {}).filter((s) => s !== backup?.storage);
  const [to, setTo] = useState<string | null>(null);
  const [withIncrementals, setWithIncrementals] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; rest?: unknown }>({});
  useEffect(() => {
    setTo(null);
    setWithIncrementals(true);
    setError({});
  }, [backup]);

  const confirm = async () => {
    if (!backup) return;
    if (!to) {
      setError({ field: 'choose where to copy the backup' });
      return;
    }
    setBusy(true);
    try {
      await t.copyBackup({ storage: backup.storage, key: backup.key, to, ...(backup.kind === 'full' ? { 'with-incrementals': withIncrementals } : {}) });
      notifications.show({ message: `Copying to ${to}: follow it under Jobs` });
      onClose();
    } catch (err) {
      setError(split(err, 'to'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog opened={!!backup} title="Copy this backup to another storage?" confirmLabel={to ? `Copy to ${to}` : 'Copy'} busy={busy} error={error.rest} onClose={onClose} onConfirm={() => void confirm()}>
      <Text size="sm">
        The {backup?.kind} backup of {backup ? formatTime(backup.timestamp) : ''} ({backup?.routine} · {backup?.namespace}) is copied under the same key, checked file by file; the original stays.
      </Text>
      <Select
        label="Copy to storage"
        placeholder={storages.length ? 'Choose a storage' : 'No other storage is configured'}
        data={storages}
        value={to}
        onChange={(v) => {
          setTo(v);
          setError({});
        }}
        error={error.field}
        allowDeselect={false}
        data-autofocus
      />
      {backup?.kind === 'full' ? <Checkbox label="With its incrementals" description="Without them, the copy restores only to this backup's time" checked={withIncrementals} onChange={(e) => setWithIncrementals(e.currentTarget.checked)} /> : null}
    </ConfirmDialog>
  );
}

export function MergeDialog({ backup, config, onClose }: { backup: CatalogBackup | undefined; config: Config | undefined; onClose(): void }) {
  const t = useTransport();
  const own = backup ? config?.['backup-routines'][backup.routine]?.storage : undefined;
  const [to, setTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; rest?: unknown }>({});
  useEffect(() => {
    setTo(own ?? null);
    setError({});
  }, [backup, own]);

  const confirm = async () => {
    if (!backup) return;
    setBusy(true);
    try {
      await t.mergeBackups({ routine: backup.routine, upto: backup.timestamp, ...(to && to !== own ? { to } : {}) });
      notifications.show({ message: `Merging ${backup.routine} up to ${formatTime(backup.timestamp)}: follow it under Jobs` });
      onClose();
    } catch (err) {
      setError(split(err, 'to'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog opened={!!backup} title={`Merge ${backup?.routine ?? ''} up to this backup?`} confirmLabel="Merge into a new full backup" busy={busy} error={error.rest} onClose={onClose} onConfirm={() => void confirm()}>
      <Text size="sm">
        The newest full backup at or before {backup ? formatTime(backup.timestamp) : ''} and its incrementals up to that time are folded into one new full backup, which restores to the same point faster. The backups merged stay until retention or a delete removes them.
      </Text>
      <Select label="Write the new full backup to" data={Object.keys(config?.storage ?? {})} value={to} onChange={(v) => setTo(v)} error={error.field} allowDeselect={false} data-autofocus />
    </ConfirmDialog>
  );
}
