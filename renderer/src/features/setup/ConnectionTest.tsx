/** "Test connection" / "Test storage" in the cluster and storage forms, with the answer shown under the button. */
import { useState } from 'react';
import { Alert, Button, List, Stack, Text } from '@mantine/core';
import { IconCircleCheck, IconPlugConnected, IconAlertTriangle } from '@tabler/icons-react';
import { useTransport } from '../../api/context.js';
import type { SectionInput } from '../../api/transport.js';
import { ErrorNote } from '../../components/common.js';
import { describeClusterTest, describeStorageTest, type TestSummary } from './connection-test-model.js';

type Testable = 'aerospike-clusters' | 'storage';

export function ConnectionTest<S extends Testable>(props: {
  section: S;
  /** The entry's name (saved entries: masked secrets stand for its saved ones). */
  name: string;
  /** The entry as the form holds it, or undefined while the form has errors. */
  entry: SectionInput[S] | undefined;
  /** The form shows a saved entry unchanged: test the saved entry itself (with every field the form does not show). */
  saved: boolean;
  /** The form has errors: show them instead of testing. */
  onInvalid(): void;
}) {
  const t = useTransport();
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState<TestSummary | undefined>();
  const [error, setError] = useState<unknown>();
  const label = props.section === 'storage' ? 'Test storage' : 'Test connection';

  const run = async () => {
    setSummary(undefined);
    setError(undefined);
    if (!props.entry && !props.saved) {
      props.onInvalid();
      return;
    }
    setBusy(true);
    try {
      const entry = props.saved ? undefined : props.entry;
      if (props.section === 'storage') setSummary(describeStorageTest(await t.testStorage(props.name, entry as SectionInput['storage'] | undefined)));
      else setSummary(describeClusterTest(await t.testCluster(props.name, entry as SectionInput['aerospike-clusters'] | undefined)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="xs">
      <div>
        <Button variant="default" leftSection={<IconPlugConnected size={16} />} loading={busy} onClick={() => void run()}>
          {label}
        </Button>
      </div>
      <div aria-live="polite">
        {summary ? (
          <Alert color={summary.ok ? 'green' : 'red'} variant="light" icon={summary.ok ? <IconCircleCheck size={18} /> : <IconAlertTriangle size={18} />} title={summary.title} role={summary.ok ? 'status' : 'alert'}>
            {summary.lines.length === 1 ? (
              <Text size="sm">{summary.lines[0]}</Text>
            ) : (
              <List size="sm" spacing={2}>
                {summary.lines.map((l) => (
                  <List.Item key={l}>{l}</List.Item>
                ))}
              </List>
            )}
          </Alert>
        ) : null}
        <ErrorNote error={error} title={`${label} failed`} />
      </div>
    </Stack>
  );
}
