import { lazy, Suspense, type ReactNode } from 'react';
import { AppShell, Badge, Group, NavLink, Progress, ScrollArea, Skeleton, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import {
  IconArchive,
  IconClockPlay,
  IconDatabase,
  IconFolder,
  IconGauge,
  IconHistory,
  IconListCheck,
  IconPlayerPause,
  IconRoute,
  IconSettings,
  IconShieldCheck,
  IconWifiOff,
} from '@tabler/icons-react';
import { useTransport } from '../api/context.js';
import { useLiveEvents, useRunningJobs, useSchedule } from '../api/queries.js';
import { formatRelative } from '../components/format.js';
import { useNow } from '../components/common.js';
import { useRouter, type Route } from './router.js';
import { Dashboard } from '../features/dashboard/Dashboard.js';

// The dashboard opens first and is in the main bundle; the other screens load when first shown,
// so the browser compiles and runs less before the first screen appears.
const RestorePage = lazy(() => import('../features/restore/RestorePage.js').then((m) => ({ default: m.RestorePage })));
const CatalogPage = lazy(() => import('../features/catalog/CatalogPage.js').then((m) => ({ default: m.CatalogPage })));
const JobsPage = lazy(() => import('../features/jobs/JobsPage.js').then((m) => ({ default: m.JobsPage })));
const SetupPage = lazy(() => import('../features/setup/SetupPage.js').then((m) => ({ default: m.SetupPage })));
const SettingsPage = lazy(() => import('../features/settings/SettingsPage.js').then((m) => ({ default: m.SettingsPage })));

const MAIN: Array<{ route: Route; label: string; icon: ReactNode }> = [
  { route: 'dashboard', label: 'Dashboard', icon: <IconGauge size={18} /> },
  { route: 'restore', label: 'Restore', icon: <IconHistory size={18} /> },
  { route: 'catalog', label: 'Catalog', icon: <IconArchive size={18} /> },
  { route: 'jobs', label: 'Jobs', icon: <IconListCheck size={18} /> },
];
const SETUP: Array<{ route: Route; label: string; icon: ReactNode }> = [
  { route: 'clusters', label: 'Clusters', icon: <IconDatabase size={18} /> },
  { route: 'storage', label: 'Storage', icon: <IconFolder size={18} /> },
  { route: 'policies', label: 'Policies', icon: <IconShieldCheck size={18} /> },
  { route: 'routines', label: 'Routines', icon: <IconRoute size={18} /> },
];

function Page({ route }: { route: Route }) {
  switch (route) {
    case 'dashboard':
      return <Dashboard />;
    case 'restore':
      return <RestorePage />;
    case 'catalog':
      return <CatalogPage />;
    case 'jobs':
      return <JobsPage />;
    case 'clusters':
      return <SetupPage section="aerospike-clusters" />;
    case 'storage':
      return <SetupPage section="storage" />;
    case 'policies':
      return <SetupPage section="backup-policies" />;
    case 'routines':
      return <SetupPage section="backup-routines" />;
    case 'settings':
      return <SettingsPage />;
  }
}

function Link({ route, label, icon }: { route: Route; label: string; icon: ReactNode }) {
  const { route: current, base, go } = useRouter();
  return (
    <NavLink
      href={`${base}${route === 'dashboard' ? '' : route}`}
      label={label}
      leftSection={icon}
      active={current === route}
      aria-current={current === route ? 'page' : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        go(route);
      }}
    />
  );
}

function TopBar() {
  const transport = useTransport();
  const qc = useQueryClient();
  const conn = useLiveEvents(transport, qc);
  const running = useRunningJobs().filter((j) => j.status === 'running');
  const schedule = useSchedule();
  const paused = schedule.data?.some((s) => s.globallyPaused) ?? false;
  const go = useRouter((s) => s.go);
  const now = useNow(1000);
  const first = running[0];
  const pct = first?.progress?.['percentage-done'] ?? 0;
  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap">
      <Group gap={8} wrap="nowrap">
        <IconClockPlay size={22} aria-hidden />
        <Text fw={700} size="lg">
          Tidemark
        </Text>
      </Group>
      <Group gap="md" wrap="nowrap">
        {conn.state === 'reconnecting' ? (
          <Tooltip label={conn.error}>
            <Badge color="yellow" variant="light" leftSection={<IconWifiOff size={14} />}>
              Reconnecting {formatRelative(conn.retryAt, now).replace('in a moment', 'now')}
            </Badge>
          </Tooltip>
        ) : null}
        {paused ? (
          <Tooltip label="Scheduled backups do not run until resumed (Settings)">
            <Badge color="gray" variant="filled" leftSection={<IconPlayerPause size={14} />}>
              Schedules paused
            </Badge>
          </Tooltip>
        ) : null}
        {first ? (
          <UnstyledButton onClick={() => go('jobs')} aria-label={`${running.length} running job${running.length === 1 ? '' : 's'}: open Jobs`}>
            <Group gap={8} wrap="nowrap">
              <Text size="sm" className="tm-nowrap">
                {running.length === 1 ? `${first.type === 'backup' ? 'Backing up' : first.type} ${first.routine ?? ''}` : `${running.length} jobs running`}
              </Text>
              <Progress value={pct} w={120} size="sm" animated aria-label="progress of the running job" />
              <Text size="xs" c="dimmed">
                {pct}%
              </Text>
            </Group>
          </UnstyledButton>
        ) : (
          <Text size="sm" c="dimmed">
            No jobs running
          </Text>
        )}
      </Group>
    </Group>
  );
}

export function Shell() {
  const route = useRouter((s) => s.route);
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 0 }} padding="lg">
      <AppShell.Header>
        <TopBar />
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <AppShell.Section grow component={ScrollArea}>
          {MAIN.map((l) => (
            <Link key={l.route} {...l} />
          ))}
          <Text size="xs" fw={700} c="dimmed" tt="uppercase" mt="md" mb={4} px="sm">
            Setup
          </Text>
          {SETUP.map((l) => (
            <Link key={l.route} {...l} />
          ))}
        </AppShell.Section>
        <AppShell.Section>
          <Link route="settings" label="Settings" icon={<IconSettings size={18} />} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Skeleton h={300} />}>
          <Page route={route} />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
