import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogEntry } from '../../electron/core/catalog/catalog.js';
import { planRetention, retentionRule, type RetentionRule } from '../../electron/core/jobs/retention.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;

function entry(kind: 'full' | 'incremental', day: number, ns = 'test'): CatalogEntry {
  const ms = day * DAY;
  const key = `r/${kind === 'full' ? 'backup' : 'incremental'}/${ms}/data/${ns}`;
  return { kind, routine: 'r', createdMs: ms, namespace: ns, key, metadata: { created: new Date(ms).toISOString(), namespace: ns } };
}

/** Fulls on days 10, 20, 30, 40 with two incrementals after each. */
const chain = [10, 20, 30, 40].flatMap((d) => [entry('full', d), entry('incremental', d + 1), entry('incremental', d + 2)]);
const removedDays = (rule: RetentionRule, inUse: (root: string) => boolean = () => false, entries = chain): string[] =>
  planRetention(entries, rule, NOW, inUse).remove.map((r) => `${r.kind[0]}${r.createdMs / DAY}`);

describe('retention', () => {
  test('keeps the newest `full` fulls with their incrementals; removed chains go whole, incrementals first', () => {
    assert.deepEqual(removedDays({ full: 2 }), ['i11', 'i12', 'i21', 'i22', 'f10', 'f20']);
  });

  test('keeps the incrementals of the newest `incremental` fulls only', () => {
    assert.deepEqual(removedDays({ incremental: 1 }), ['i11', 'i12', 'i21', 'i22', 'i31', 'i32']);
    assert.deepEqual(removedDays({ full: 3, incremental: 0 }), ['i11', 'i12', 'i21', 'i22', 'i31', 'i32', 'i41', 'i42', 'f10']);
  });

  test('max-age removes a chain only once even its newest backup is older than the limit, never the newest full', () => {
    // Cutoff day 80: every chain is older, but the newest full stays.
    assert.deepEqual(removedDays({ maxAgeMs: 20 * DAY }), ['i11', 'i12', 'i21', 'i22', 'i31', 'i32', 'f10', 'f20', 'f30']);
    // Cutoff day 31.5: the chain of day 30 (newest backup day 32) is kept whole.
    assert.deepEqual(removedDays({ maxAgeMs: NOW - 31.5 * DAY }), ['i11', 'i12', 'i21', 'i22', 'f10', 'f20']);
  });

  test('what a running job reads is spared, and so is the full it depends on', () => {
    const plan = planRetention(chain, { full: 2 }, NOW, (root) => root === `r/incremental/${21 * DAY}`);
    const removed = plan.remove.map((r) => `${r.kind[0]}${r.createdMs / DAY}`);
    assert.deepEqual(removed, ['i11', 'i12', 'i22', 'f10']);
    assert.deepEqual(plan.spared.map((r) => `${r.kind[0]}${r.createdMs / DAY}`).sort(), ['f20', 'i21']);
    assert.match(plan.spared[0]!.reason, /in use/);
  });

  test('a run with several namespaces is one unit; incrementals without any full before them go when fulls are limited', () => {
    const entries = [entry('incremental', 5), entry('full', 10, 'a'), entry('full', 10, 'b'), entry('full', 20, 'a'), entry('full', 20, 'b')];
    const plan = planRetention(entries, { full: 1 }, NOW, () => false);
    assert.deepEqual(plan.remove.map((r) => [r.root, r.keys.length]), [
      [`r/incremental/${5 * DAY}`, 1],
      [`r/backup/${10 * DAY}`, 2],
    ]);
    assert.deepEqual(planRetention(entries, { incremental: 1 }, NOW, () => false).remove, [], 'without a full limit, orphans are left alone');
  });

  test('nothing without a full backup; ABS remove-files maps onto retention', () => {
    assert.deepEqual(planRetention([entry('incremental', 1)], { full: 1 }, NOW, () => false).remove, []);
    assert.deepEqual(retentionRule({ 'remove-files': 'RemoveAll' }), { full: 1, incremental: 0 });
    assert.deepEqual(retentionRule({ 'remove-files': 'RemoveIncremental' }), { incremental: 0 });
    assert.equal(retentionRule({ 'remove-files': 'KeepAll' }), undefined);
    assert.deepEqual(retentionRule({ retention: { full: 5 }, 'max-age': '30d' }), { full: 5, maxAgeMs: 30 * DAY });
  });
});
