/** What a "Test connection" / "Test storage" answer says, as a headline and detail lines. */
import type { ClusterTestResult, StorageTestResult } from '../../../../shared/schemas/rest.js';
import { formatCount } from '../../components/format.js';

export interface TestSummary {
  ok: boolean;
  title: string;
  lines: string[];
}

export function describeClusterTest(r: ClusterTestResult): TestSummary {
  if (!r.ok) return { ok: false, title: 'Could not connect', lines: [r.error] };
  const nodes = `${r.nodes} node${r.nodes === 1 ? '' : 's'}`;
  return {
    ok: true,
    title: `Connected in ${r['connect-ms']} ms: ${nodes}${r.build ? `, Aerospike ${r.build}` : ''}`,
    lines: r.namespaces.length
      ? r.namespaces.map((n) => {
          const sets = n.sets.length ? n.sets.map((s) => `${s.name} ${formatCount(s.objects)}`).join(', ') : 'no sets';
          return `${n.name}: ${formatCount(n.objects)} records (${sets})`;
        })
      : ['The cluster has no namespaces.'],
  };
}

const STEP: Record<Extract<StorageTestResult, { ok: false }>['step'], string> = {
  open: 'Could not open the storage',
  write: 'Could not write a test file',
  read: 'Could not read the test file back',
  delete: 'Could not delete the test file',
};

export function describeStorageTest(r: StorageTestResult): TestSummary {
  if (!r.ok) return { ok: false, title: STEP[r.step], lines: [r.error] };
  return { ok: true, title: `Writable: wrote, read back and deleted a test file in ${r.location}`, lines: [`write ${r['write-ms']} ms · read ${r['read-ms']} ms · delete ${r['delete-ms']} ms`] };
}
