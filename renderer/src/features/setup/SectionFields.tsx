import { Checkbox, Group, NumberInput, PasswordInput, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import type { Config, Section } from '../../../../shared/schemas/config.js';
import { CronHelper } from './CronHelper.js';
import type { Errors, Values } from './form-model.js';

export interface FieldProps {
  values: Values;
  errors: Errors;
  set(k: string, v: string | boolean): void;
  config: Config;
}

const s = (v: Values, k: string): string => (typeof v[k] === 'string' ? (v[k] as string) : '');

function Text_({ k, label, p, description, placeholder, required }: { k: string; label: string; p: FieldProps; description?: string; placeholder?: string; required?: boolean }) {
  return (
    <TextInput
      label={label}
      description={description}
      placeholder={placeholder}
      required={required}
      value={s(p.values, k)}
      onChange={(e) => p.set(k, e.currentTarget.value)}
      error={p.errors[k]}
      name={k}
    />
  );
}

function Num({ k, label, p, description }: { k: string; label: string; p: FieldProps; description?: string }) {
  return (
    <NumberInput
      label={label}
      description={description}
      value={s(p.values, k)}
      onChange={(v) => p.set(k, v === '' ? '' : String(v))}
      error={p.errors[k]}
      allowDecimal={false}
      name={k}
    />
  );
}

/** One of a few fixed values; `fallback` stands for an unset one. */
function Choice({ k, label, data, fallback, p }: { k: string; label: string; data: Array<string | { value: string; label: string }>; fallback: string; p: FieldProps }) {
  return <Select label={label} data={data} value={s(p.values, k) || fallback} onChange={(v) => p.set(k, v ?? fallback)} allowDeselect={false} name={k} error={p.errors[k]} />;
}

function ClusterFields(p: FieldProps) {
  return (
    <Stack>
      <Text_ k="seeds" label="Seed nodes" required description="host:port, comma separated (port 3000 when left out)" placeholder="10.0.0.5:3000, 10.0.0.6:3000" p={p} />
      <SimpleGrid cols={2}>
        <Text_ k="user" label="User" description="Leave empty when security is off" p={p} />
        <Choice
          k="passwordSource"
          label="Password from"
          data={[
            { value: 'password', label: 'Typed here (OS keychain)' },
            { value: 'password-env', label: 'Environment variable' },
            { value: 'password-path', label: 'File' },
          ]}
          fallback="password-env"
          p={p}
        />
      </SimpleGrid>
      {s(p.values, 'passwordSource') === 'password' ? (
        <Secret k="passwordRef" label="Password" description="Kept encrypted by the OS keychain; ******** keeps the stored one" p={p} />
      ) : (
        <Text_ k="passwordRef" label={s(p.values, 'passwordSource') === 'password-path' ? 'Password file' : 'Environment variable'} description="Tidemark stores where the password is, not the password" p={p} />
      )}
      <SimpleGrid cols={2}>
        <Num k="maxParallelScans" label="Parallel scans (max)" description="Across all routines on this cluster" p={p} />
        <Text_ k="label" label="Label" p={p} />
      </SimpleGrid>
    </Stack>
  );
}

/** A secret: hidden as typed, and shown masked (********) when one is stored. */
function Secret({ k, label, p, description }: { k: string; label: string; p: FieldProps; description?: string }) {
  return (
    <PasswordInput
      label={label}
      description={description}
      value={s(p.values, k)}
      onChange={(e) => p.set(k, e.currentTarget.value)}
      error={p.errors[k]}
      name={k}
      autoComplete="new-password"
    />
  );
}

function S3CredentialFields(p: FieldProps) {
  const source = s(p.values, 'credentials') || 'default';
  return (
    <>
      <Choice
        k="credentials"
        label="Credentials"
        data={[
          { value: 'default', label: 'Default chain (environment, ~/.aws, instance role)' },
          { value: 'env', label: 'Environment variables only' },
          { value: 'profile', label: 'AWS profile' },
          { value: 'static', label: 'Access keys (OS keychain)' },
        ]}
        fallback="default"
        p={p}
      />
      {source === 'profile' && <Text_ k="profile" label="AWS profile" required description="A profile of ~/.aws/credentials or ~/.aws/config" p={p} />}
      {source === 'static' && (
        <>
          <Text size="xs" c="dimmed">
            Kept encrypted by the OS keychain, never in the config file as typed. A stored key shows as ********; leave it so to keep it.
          </Text>
          <SimpleGrid cols={2}>
            <Secret k="accessKeyId" label="Access key ID" p={p} />
            <Secret k="secretAccessKey" label="Secret access key" p={p} />
          </SimpleGrid>
          <Secret k="sessionToken" label="Session token" description="Only for temporary credentials" p={p} />
        </>
      )}
    </>
  );
}

function StorageFields(p: FieldProps) {
  const s3 = s(p.values, 'kind') === 's3';
  return (
    <Stack>
      <SegmentedControl
        aria-label="Storage kind"
        data={[
          { value: 'local', label: 'Local folder' },
          { value: 's3', label: 'S3 bucket' },
        ]}
        value={s3 ? 's3' : 'local'}
        onChange={(v) => p.set('kind', v)}
      />
      {s3 ? (
        <>
          <SimpleGrid cols={2}>
            <Text_ k="bucket" label="Bucket" required p={p} />
            <Text_ k="s3Path" label="Path in the bucket" p={p} />
          </SimpleGrid>
          <SimpleGrid cols={2}>
            <Text_ k="region" label="Region" placeholder="us-east-1" p={p} />
            <Text_ k="endpoint" label="Endpoint" description="For MinIO or another S3-compatible service" placeholder="http://127.0.0.1:9000" p={p} />
          </SimpleGrid>
          <Checkbox label="Path-style addressing" checked={p.values.pathStyle === true} onChange={(e) => p.set('pathStyle', e.currentTarget.checked)} />
          <S3CredentialFields {...p} />
        </>
      ) : (
        <Text_ k="path" label="Folder" required description="Absolute, or relative to the config file's folder" placeholder="/srv/backups" p={p} />
      )}
      {p.errors.kind ? (
        <Text c="var(--mantine-color-error)" size="sm">
          {p.errors.kind}
        </Text>
      ) : null}
    </Stack>
  );
}

function PolicyFields(p: FieldProps) {
  const enc = s(p.values, 'encryption') || 'NONE';
  return (
    <Stack>
      <SimpleGrid cols={2}>
        <Num k="parallel" label="Parallel workers" description="Default 1" p={p} />
        <Num k="recordsPerSecond" label="Records per second (max)" description="Empty: unlimited" p={p} />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <Choice k="compression" label="Compression" data={['NONE', 'ZSTD']} fallback="NONE" p={p} />
        <Choice
          k="encryption"
          label="Encryption"
          data={[
            { value: 'NONE', label: 'None' },
            { value: 'AES128', label: 'AES-128' },
            { value: 'AES256', label: 'AES-256' },
          ]}
          fallback="NONE"
          p={p}
        />
      </SimpleGrid>
      {enc !== 'NONE' ? (
        <SimpleGrid cols={2}>
          <Text_ k="keyFile" label="Key file" p={p} />
          <Text_ k="keyEnv" label="…or key environment variable" p={p} />
        </SimpleGrid>
      ) : null}
      <Text size="sm" fw={600} mt="xs">
        Retention
      </Text>
      <SimpleGrid cols={3}>
        <Num k="retentionFull" label="Full backups kept" p={p} />
        <Num k="retentionIncremental" label="…with incrementals for" description="the newest N fulls" p={p} />
        <Text_ k="maxAge" label="Remove older than" placeholder="30d" p={p} />
      </SimpleGrid>
      <Checkbox label="Sealed: only records changed before the backup started" checked={p.values.sealed === true} onChange={(e) => p.set('sealed', e.currentTarget.checked)} />
    </Stack>
  );
}

function RoutineFields(p: FieldProps) {
  const names = (sec: Section) => Object.keys(p.config[sec]);
  const policies = names('backup-policies');
  const sel = (k: string, label: string, sec: Section, extra: string[] = []) => (
    <Select
      label={label}
      required
      data={[...new Set([...names(sec), ...extra])]}
      value={s(p.values, k) || null}
      onChange={(v) => p.set(k, v ?? '')}
      error={p.errors[k]}
      nothingFoundMessage={`No ${label.toLowerCase()} yet`}
      name={k}
    />
  );
  return (
    <Stack>
      <SimpleGrid cols={3}>
        {sel('cluster', 'Cluster', 'aerospike-clusters')}
        {sel('storage', 'Storage', 'storage')}
        {sel('policy', 'Policy', 'backup-policies', policies.length ? [] : ['default'])}
      </SimpleGrid>
      {policies.length === 0 ? (
        <Text size="xs" c="dimmed">
          No policy yet: “default” (one worker, no compression, keep everything) is created with the routine.
        </Text>
      ) : null}
      <div>
        <Text_ k="cron" label="Full backups (cron)" required description="6 fields with seconds (0 0 2 * * ?), classic 5 fields, or @daily" p={p} />
        {!p.errors.cron ? <CronHelper expr={s(p.values, 'cron')} timezone={s(p.values, 'timezone') || undefined} /> : null}
      </div>
      <div>
        <Text_ k="incrCron" label="Incremental backups (cron)" description="Optional: changes since the previous backup" placeholder="0 */15 * * * *" p={p} />
        {!p.errors.incrCron ? <CronHelper expr={s(p.values, 'incrCron')} timezone={s(p.values, 'timezone') || undefined} /> : null}
      </div>
      <SimpleGrid cols={2}>
        <Text_ k="namespaces" label="Namespaces" description="Empty: every namespace of the cluster" placeholder="test, bar" p={p} />
        <Text_ k="timezone" label="Time zone" description="Of the cron expressions; empty: this machine's" placeholder="Europe/Berlin" p={p} />
      </SimpleGrid>
      <SimpleGrid cols={2}>
        <Text_ k="setList" label="Sets" description="Empty: all sets" p={p} />
        <Text_ k="binList" label="Bins" description="Empty: all bins" p={p} />
      </SimpleGrid>
      <Group>
        <Checkbox label="Skip scheduled runs on battery" checked={p.values.skipOnBattery === true} onChange={(e) => p.set('skipOnBattery', e.currentTarget.checked)} />
        <Checkbox label="Disabled (keep backups, do not schedule)" checked={p.values.disabled === true} onChange={(e) => p.set('disabled', e.currentTarget.checked)} />
      </Group>
    </Stack>
  );
}

export function SectionFields({ section, ...p }: FieldProps & { section: Section }) {
  switch (section) {
    case 'aerospike-clusters':
      return <ClusterFields {...p} />;
    case 'storage':
      return <StorageFields {...p} />;
    case 'backup-policies':
      return <PolicyFields {...p} />;
    case 'backup-routines':
      return <RoutineFields {...p} />;
  }
}
