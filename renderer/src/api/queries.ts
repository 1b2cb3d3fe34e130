/**
 * Server state through react-query, fed by the transport: queries for reads, mutations for
 * changes, and one live-event bridge that keeps running jobs current and refreshes what a
 * finished job or a config change affects — no reloads, no polling by the user.
 */
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Job, JobQuery } from '../../../shared/schemas/job.js';
import type { CatalogQuery } from '../../../shared/schemas/catalog.js';
import type { Section } from '../../../shared/schemas/config.js';
import { useTransport } from './context.js';
import type { ConnectionState, CoreEvent, SectionInput, TimelineQuery, Transport } from './transport.js';

export const keys = {
  config: ['config'] as const,
  schedule: ['schedule'] as const,
  running: ['running'] as const,
  jobs: (q: JobQuery = {}) => ['jobs', q] as const,
  job: (id: string) => ['job', id] as const,
  backups: (q: CatalogQuery = {}) => ['backups', q] as const,
  timeline: (routine: string, q: TimelineQuery = {}) => ['timeline', routine, q] as const,
  capabilities: ['capabilities'] as const,
};

export function useConfig() {
  const t = useTransport();
  return useQuery({ queryKey: keys.config, queryFn: () => t.config() });
}

export function useSchedule() {
  const t = useTransport();
  return useQuery({ queryKey: keys.schedule, queryFn: () => t.schedule(), refetchInterval: 60_000 });
}

export function useJobs(q: JobQuery = {}) {
  const t = useTransport();
  return useQuery({ queryKey: keys.jobs(q), queryFn: () => t.jobs(q) });
}

export function useJob(id: string | undefined) {
  const t = useTransport();
  return useQuery({ queryKey: keys.job(id ?? ''), queryFn: () => t.job(id!), enabled: !!id });
}

/** A job's log lines; refreshed while it runs (the job's own query is kept live by the events). */
export function useJobLog(id: string | undefined, running: boolean) {
  const t = useTransport();
  return useQuery({ queryKey: ['job-log', id ?? ''], queryFn: () => t.jobLog(id!), enabled: !!id, refetchInterval: running ? 2000 : false });
}

export function useBackups(q: CatalogQuery = {}) {
  const t = useTransport();
  return useQuery({ queryKey: keys.backups(q), queryFn: () => t.backups(q) });
}

export function useTimeline(routine: string | undefined, q: TimelineQuery = {}) {
  const t = useTransport();
  return useQuery({ queryKey: keys.timeline(routine ?? '', q), queryFn: () => t.timeline(routine!, q), enabled: !!routine, placeholderData: (prev) => prev });
}

export function useCapabilities() {
  const t = useTransport();
  return useQuery({ queryKey: keys.capabilities, queryFn: () => t.capabilities(), staleTime: 300_000 });
}

/** Jobs running now, newest first, kept live by the event stream. */
export function useRunningJobs(): Job[] {
  const { data } = useQuery<Record<string, Job>>({ queryKey: keys.running, queryFn: () => ({}), staleTime: Infinity, gcTime: Infinity });
  return Object.values(data ?? {}).sort((a, b) => b['created-at'] - a['created-at']);
}

export function useSaveEntry<S extends Section>(section: S) {
  const t = useTransport();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (o: { name: string; entry: SectionInput[S]; create: boolean }) => (o.create ? t.createEntry(section, o.name, o.entry) : t.updateEntry(section, o.name, o.entry)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.config });
      void qc.invalidateQueries({ queryKey: keys.schedule });
    },
  });
}

export function useDeleteEntry(section: Section) {
  const t = useTransport();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => t.deleteEntry(section, name),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.config }),
  });
}

export function useTriggerBackup() {
  const t = useTransport();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (o: { routine: string; kind: 'full' | 'incremental'; label?: string }) => t.triggerBackup(o.routine, o.kind, o.label ? { label: o.label } : {}),
    onSuccess: (job) => {
      upsertRunning(qc, job);
      void qc.invalidateQueries({ queryKey: ['jobs'] });
    },
  });
}

export function useCancelJob() {
  const t = useTransport();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => t.cancelJob(id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['jobs'] }),
  });
}

function upsertRunning(qc: QueryClient, job: Job): void {
  qc.setQueryData<Record<string, Job>>(keys.running, (prev = {}) => {
    const next = { ...prev };
    if (job.status === 'running' || job.status === 'pending') next[job.id] = job;
    else delete next[job.id];
    return next;
  });
  qc.setQueryData(keys.job(job.id), job);
}

/** What an event changes in the cache. Exported for tests and for the Electron transport. */
export function applyEvent(qc: QueryClient, e: CoreEvent): void {
  switch (e.type) {
    case 'snapshot':
      qc.setQueryData(keys.running, Object.fromEntries(e.jobs.map((j) => [j.id, j])));
      for (const j of e.jobs) qc.setQueryData(keys.job(j.id), j);
      break;
    case 'job-created':
    case 'job-started':
    case 'job-progress':
      upsertRunning(qc, e.job);
      if (e.type !== 'job-progress') void qc.invalidateQueries({ queryKey: ['jobs'] });
      break;
    case 'job-finished':
      upsertRunning(qc, e.job);
      for (const k of [['jobs'], ['backups'], ['timeline'], keys.schedule]) void qc.invalidateQueries({ queryKey: k });
      break;
    case 'schedule-changed':
      void qc.invalidateQueries({ queryKey: keys.schedule });
      break;
    case 'config-changed':
      void qc.invalidateQueries({ queryKey: keys.config });
      void qc.invalidateQueries({ queryKey: keys.schedule });
      break;
  }
}

/** Bridges the transport's events into the cache; after a reconnect everything is refetched. */
export function useLiveEvents(t: Transport, qc: QueryClient): ConnectionState {
  const [state, setState] = useState<ConnectionState>(t.connection());
  useEffect(() => {
    let wasOpen = false;
    const offEvents = t.subscribe((e) => applyEvent(qc, e));
    const offConn = t.onConnection((s) => {
      setState(s);
      if (s.state === 'open') {
        if (wasOpen) void qc.invalidateQueries();
        wasOpen = true;
      }
    });
    return () => {
      offEvents();
      offConn();
    };
  }, [t, qc]);
  return state;
}
