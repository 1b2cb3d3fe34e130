import { useEffect, useState } from 'react';
import { Alert, Button, Code, CopyButton, Group, NumberInput, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { DesktopSettings } from '../../../../shared/schemas/desktop.js';
import { useTransport } from '../../api/context.js';
import { errorText } from '../../components/common.js';
import { desktopCurl, portError, settingsChange } from './desktop-settings-model.js';

const KEY = ['desktop-settings'] as const;

/**
 * The desktop app's settings (kept in the config file). In the window they apply at once; in
 * the web mode they are shown and saved for when the desktop app runs.
 */
export function DesktopPanel({ inDesktop }: { inDesktop: boolean }) {
  const t = useTransport();
  const qc = useQueryClient();
  const saved = useQuery({ queryKey: KEY, queryFn: () => t.desktopSettings() });
  const [form, setForm] = useState<DesktopSettings | undefined>();
  const [token, setToken] = useState<string | undefined>();
  useEffect(() => {
    if (saved.data) setForm(saved.data);
  }, [saved.data]);
  if (!form || !saved.data) return null;
  const change = settingsChange(saved.data, form);
  const badPort = portError(form['rest-port']);
  const set = (patch: Partial<DesktopSettings>) => setForm({ ...form, ...patch });

  const save = () =>
    t.updateDesktopSettings(change).then(
      (s) => {
        qc.setQueryData(KEY, s);
        notifications.show({ color: 'teal', message: 'Desktop settings saved' });
      },
      (e: unknown) => notifications.show({ color: 'red', title: 'Could not save the desktop settings', message: errorText(e) }),
    );

  return (
    <Paper withBorder p="lg" radius="md">
      <Title order={2} size="h4" mb="sm">
        Desktop app
      </Title>
      <Stack gap="sm">
        {!inDesktop && <Text size="sm" c="dimmed">These apply when Tidemark runs as the desktop app; they are kept in the same config file.</Text>}
        <Switch label="Start Tidemark when I log in (in the tray, without its window)" checked={form['start-at-login']} onChange={(e) => set({ 'start-at-login': e.currentTarget.checked })} />
        <Switch label="Closing the window keeps Tidemark in the tray, so schedules go on" checked={form['close-to-tray']} onChange={(e) => set({ 'close-to-tray': e.currentTarget.checked })} />
        <Switch label="Notify me when a job fails" checked={form.notifications['job-failed']} onChange={(e) => set({ notifications: { ...form.notifications, 'job-failed': e.currentTarget.checked } })} />
        <Switch label="Notify me when a restore finishes" checked={form.notifications['restore-finished']} onChange={(e) => set({ notifications: { ...form.notifications, 'restore-finished': e.currentTarget.checked } })} />
        <Group align="flex-end">
          <Switch label="Localhost REST API (ABS-compatible, for scripts)" checked={form['rest-server']} onChange={(e) => set({ 'rest-server': e.currentTarget.checked })} />
          <NumberInput
            label="Port"
            w={120}
            min={1}
            max={65535}
            allowDecimal={false}
            value={form['rest-port']}
            error={badPort}
            disabled={!form['rest-server']}
            onChange={(v) => set({ 'rest-port': typeof v === 'number' ? v : Number.NaN })}
          />
        </Group>
        {inDesktop && form['rest-server'] && (
          <>
            <Text size="sm">
              Scripts reach it at <Code>http://127.0.0.1:{saved.data['rest-port']}</Code> with the token from the data folder's <Code>api-token</Code> file.
            </Text>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <Code block style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {desktopCurl(saved.data['rest-port'])}
              </Code>
              <Button
                size="xs"
                variant="default"
                onClick={() =>
                  t.rotateToken().then(
                    (r) => setToken(r.token),
                    (e: unknown) => notifications.show({ color: 'red', title: 'Could not rotate the token', message: errorText(e) }),
                  )
                }
              >
                New token…
              </Button>
            </Group>
            {token && (
              <Alert color="yellow" title="New API token (shown once)">
                <Group gap="xs">
                  <Code>{token}</Code>
                  <CopyButton value={token}>{({ copied, copy }) => <Button size="xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
                </Group>
              </Alert>
            )}
          </>
        )}
        <Group>
          <Button onClick={() => void save()} disabled={Object.keys(change).length === 0 || (form['rest-server'] && badPort !== undefined)}>
            Save desktop settings
          </Button>
          {Object.keys(change).length > 0 && (
            <Button variant="subtle" onClick={() => setForm(saved.data)}>
              Undo changes
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
