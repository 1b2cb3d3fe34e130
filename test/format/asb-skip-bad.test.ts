import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AsbDecoder, AsbParseError, type AsbItem } from '../../electron/core/format/asb-reader.js';
import { expectedView, loadExpected, PLAIN_FILE, recordView } from './fixtures.js';

/** Damages two records of the plain fixture: a bad generation, and a record cut short. */
function damaged(): { bytes: Buffer; badDigests: string[] } {
  let text = readFileSync(PLAIN_FILE, 'latin1');
  const records = [...text.matchAll(/^\+ d (\S+)\n/gm)];
  const first = records[10]!;
  const second = records[200]!;
  // Record 10: its generation line stops parsing.
  const gAt = text.indexOf('\n+ g ', first.index) + 1;
  text = `${text.slice(0, gAt)}+ g twelve${text.slice(text.indexOf('\n', gAt))}`;
  // Record 200: announce one bin more than it has, so the next record's first line ends it.
  const bAt = text.indexOf('\n+ b ', text.indexOf(`+ d ${second[1]}\n`)) + 1;
  const n = Number(/^\+ b (\d+)/.exec(text.slice(bAt))![1]);
  text = `${text.slice(0, bAt)}+ b ${n + 1}${text.slice(text.indexOf('\n', bAt))}`;
  return { bytes: Buffer.from(text, 'latin1'), badDigests: [first[1]!, second[1]!] };
}

function decode(bytes: Buffer, chunk: number, bad: AsbParseError[]): AsbItem[] {
  const d = new AsbDecoder({ file: 'damaged.asb', onBadRecord: (e) => bad.push(e) });
  const out: AsbItem[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...d.write(bytes.subarray(i, i + chunk)));
  out.push(...d.end());
  return out;
}

for (const chunk of [1 << 20, 7, 1]) {
  test(`with skip-bad-records, damaged records are reported and every other record is read (chunks of ${chunk} bytes)`, () => {
    const { bytes, badDigests } = damaged();
    const bad: AsbParseError[] = [];
    const items = decode(bytes, chunk, bad);
    const records = items.filter((i): i is Extract<AsbItem, { kind: 'record' }> => i.kind === 'record').map((i) => recordView(i.record));
    assert.equal(bad.length, 2);
    assert.match(bad[0]!.message, /^damaged\.asb:\d+: /);
    assert.ok(bad[0]!.line > 1 && bad[1]!.line > bad[0]!.line);
    const expected = loadExpected().records.filter((r) => !badDigests.includes(r.digest)).map(expectedView);
    assert.equal(records.length, 298);
    const byDigest = new Map(records.map((r) => [r.digest, r]));
    for (const e of expected) assert.deepEqual(byDigest.get(e.digest), e);
    assert.equal(items.filter((i) => i.kind === 'sindex').length, 1, 'globals are still read');
  });
}

test('without skip-bad-records the first damaged record stops the file with its line number', () => {
  const { bytes } = damaged();
  const d = new AsbDecoder({ file: 'damaged.asb' });
  assert.throws(() => {
    d.write(bytes);
    d.end();
  }, /^AsbParseError: damaged\.asb:\d+: /);
});
