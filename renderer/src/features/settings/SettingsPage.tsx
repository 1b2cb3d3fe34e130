import { useState } from 'react';
import { Button, Code, CopyButton, Group, Paper, PasswordInput, SegmentedControl, Stack, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useTransport } from '../../api/context.js';
import { keys, useSchedule } from '../../api/queries.js';
import { errorText, PageHeader } from '../../components/common.js';
import { saveToken } from '../../app/auth.js';
import { ProfilesPanel } from './ProfilesPanel.js';
import { DesktopPanel } from './DesktopPanel.js';

function currentToken(): string {
  return typeof window === 'undefined' ? '' : (window.sessionStorage.getItem('tidemark.token') ?? '');
}

export function curlExample(origin: string, token: string): string {
  return `curl -H "Authorization: Bearer ${token || '<token>'}" ${origin}/v1/backups/full`;
}

export function SettingsPage() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const t = useTransport();
  const qc = useQueryClient();
  const schedule = useSchedule();
  const [token, setToken] = useState(currentToken());
  const origin = window.location.origin;
  const port = window.location.port || (window.location.protocol === 'https:' ? '443' : '80');
  const paused = schedule.data?.some((s) => s.globallyPaused) ?? false;
  // In the desktop window the REST API is the localhost server the Desktop panel controls.
  const inDesktop = window.tidemark !== undefined;

  return (
    <div>
      <PageHeader title="Settings" />
      <Stack gap="lg" maw={860}>
        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            Appearance
          </Title>
          <SegmentedControl
            aria-label="Theme"
            data={[
              { value: 'light', label: 'Light' },
              { value: 'dark', label: 'Dark' },
              { value: 'auto', label: 'Follow the system' },
            ]}
            value={colorScheme}
            onChange={(v) => setColorScheme(v as MantineColorScheme)}
          />
        </Paper>

        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            Schedules
          </Title>
          <Group>
            <Text size="sm">{paused ? 'Scheduled backups are paused: nothing runs by itself until you resume.' : 'Scheduled backups run as their routines say.'}</Text>
            <Button
              variant={paused ? 'filled' : 'default'}
              onClick={() =>
                (paused ? t.resumeSchedule() : t.pauseSchedule()).then(
                  (s) => qc.setQueryData(keys.schedule, s),
                  (e: unknown) => notifications.show({ color: 'red', message: errorText(e) }),
                )
              }
            >
              {paused ? 'Resume schedules' : 'Pause all schedules'}
            </Button>
          </Group>
        </Paper>

        {!inDesktop && (
        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            REST API
          </Title>
          <Stack gap="sm">
            <Text size="sm">
              This Tidemark answers on port <b>{port}</b> at <Code>{origin}</Code>, with the Aerospike Backup Service's API under <Code>/v1</Code> (existing ABS scripts work with this base URL) and its
              description at <Code>{origin}/api-docs</Code>. Change the port with <Code>tidemark serve --port N</Code> or the config's <Code>service.http.port</Code>.
            </Text>
            <Group align="flex-end">
              <PasswordInput label="API token of this tab" value={token} onChange={(e) => setToken(e.currentTarget.value)} w={420} autoComplete="off" />
              <CopyButton value={token}>{({ copied, copy }) => <Button variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy token'}</Button>}</CopyButton>
              <Button
                variant="default"
                onClick={() =>
                  t.rotateToken().then(
                    (r) => {
                      saveToken(window.sessionStorage, r.token);
                      setToken(r.token);
                      window.location.reload();
                    },
                    (e: unknown) => notifications.show({ color: 'red', title: 'Could not rotate the token', message: errorText(e) }),
                  )
                }
              >
                Rotate token…
              </Button>
            </Group>
            <Text size="sm" fw={500}>
              Try it:
            </Text>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <Code block style={{ flex: 1 }}>
                {curlExample(origin, token)}
              </Code>
              <CopyButton value={curlExample(origin, token)}>{({ copied, copy }) => <Button size="xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            </Group>
          </Stack>
        </Paper>
        )}

        <DesktopPanel inDesktop={inDesktop} />

        <ProfilesPanel />
      </Stack>
    </div>
  );
}
