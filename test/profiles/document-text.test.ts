import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DOCUMENT_CHARS, MAX_NESTING, parseDocumentText, stringifyDocument } from '../../electron/core/profiles/document-text.js';
import { ProfileError } from '../../electron/core/profiles/profile-error.js';

function malformed(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProfileError, String(err));
    assert.equal(err.code, 'malformed');
    assert.match(err.message, pattern);
    return true;
  };
}

test('YAML integers with _ between digit groups read as ABS reads them; quoted ones stay text', () => {
  const { format, doc } = parseDocumentText('retry-delay: 10_000\nbig: 1_000_000\nneg: -2_5\ntext: "10_000"\nodd: 1__0\nyes-word: yes\nfloat: 1_000.5\n');
  assert.equal(format, 'yaml');
  assert.deepEqual(doc, { 'retry-delay': 10000, big: 1000000, neg: -25, text: '10_000', odd: '1__0', 'yes-word': 'yes', float: '1_000.5' });
  assert.throws(() => parseDocumentText('n: 9_007_199_254_740_993\n'), malformed(/too large a whole number/));
});

test('written YAML reads back to the same data, including strings that look like numbers', () => {
  const data = { a: '10_000', b: 10000, c: '0755', d: 'true', e: 'plain text', f: ['1_2', 12], g: '' };
  const text = stringifyDocument(data, 'yaml');
  assert.match(text, /a: "10_000"/);
  assert.deepEqual(parseDocumentText(text).doc, data);
  assert.deepEqual(parseDocumentText(stringifyDocument(data, 'json')).doc, data);
});

test('duplicate keys are refused in JSON and YAML instead of the last one winning', () => {
  assert.throws(() => parseDocumentText('{"storage": {"a": {}, "b": [1, {"x": "a", "y": "\\"a"}], "a": {}}}'), (err: unknown) => {
    assert.ok(err instanceof ProfileError && err.code === 'malformed');
    assert.deepEqual(err.issues[0]!.path, ['storage', 'a']);
    assert.match(err.message, /the key "a" is given twice in one object \(line 1\)/);
    return true;
  });
  assert.throws(() => parseDocumentText('{\n"a": [{"k": 1}, {"k": 1, "k": 2}]}'), malformed(/a\.1\.k: .*"k" is given twice.*line 2/));
  assert.doesNotThrow(() => parseDocumentText('{"a": {"k": 1}, "b": {"k": 1}, "c": ["k", "k"]}'));
  assert.throws(() => parseDocumentText('storage:\n  a: {}\n  a: {}\n'), malformed(/not valid YAML: Map keys must be unique/));
});

test('format detection, a byte-order mark, and what is not one document', () => {
  assert.equal(parseDocumentText('\uFEFF  {"a": 1}').format, 'json');
  assert.equal(parseDocumentText('a: 1').format, 'yaml');
  assert.throws(() => parseDocumentText('   \n'), malformed(/empty/));
  assert.throws(() => parseDocumentText('[1, 2]'), malformed(/one JSON object, not a list/));
  assert.throws(() => parseDocumentText('just text'), malformed(/one YAML mapping, not a string/));
  assert.throws(() => parseDocumentText('a: 1\n---\nb: 2\n'), malformed(/multiple documents/));
  assert.throws(() => parseDocumentText('a: !custom 1\n'), malformed(/Unresolved tag/));
  assert.throws(() => parseDocumentText('{"a": 1, "b": }'), malformed(/not valid JSON/));
  // The error does not quote the file: it may hold a secret.
  assert.throws(() => parseDocumentText('{"password": "hunter2-secret" x}'), (err: unknown) => err instanceof ProfileError && /not valid JSON/.test(err.message) && !err.message.includes('hunter2'));
});

test('a file larger than any config is refused before it is parsed', () => {
  const big = `{"a": "${'x'.repeat(MAX_DOCUMENT_CHARS)}"}`;
  assert.throws(() => parseDocumentText(big), malformed(/more than the 16777216 any config could need/));
});

test('deep nesting is refused before the YAML composer can exhaust the stack', () => {
  const nested = (n: number): string => {
    let s = '1';
    for (let i = 0; i < n; i++) s = `{"a":${s}}`;
    return s;
  };
  assert.doesNotThrow(() => parseDocumentText(nested(MAX_NESTING)));
  assert.throws(() => parseDocumentText(nested(MAX_NESTING + 1)), (err: unknown) => {
    assert.ok(err instanceof ProfileError);
    assert.deepEqual(err.issues[0]!.path, ['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a']);
    assert.match(err.message, /nested more than 64 levels deep below here \(line 1\)/);
    return true;
  });
  // Deep enough that composing it would overflow the stack (which can abort V8 outright).
  assert.throws(() => parseDocumentText(nested(200_000)), malformed(/nested more than 64 levels/));
  assert.throws(() => parseDocumentText(`a:\n${'- '.repeat(100_000)}1\n`), malformed(/^a\.0\.0\.0\.0\.0\.0\.0: .*nested more than 64 levels deep below here \(line 2\)/));
});

test('aliases: merge keys apply as in ABS, self-containing and exploding aliases are refused', () => {
  assert.deepEqual(parseDocumentText('base: &b {parallel: 8}\np:\n  <<: *b\n  sealed: true\n').doc, { base: { parallel: 8 }, p: { parallel: 8, sealed: true } });
  assert.throws(() => parseDocumentText('a: &x [*x]\n'), malformed(/alias refers to a node that contains it/));
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) laughs.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`);
  assert.throws(() => parseDocumentText(`${laughs.join('\n')}\n`), malformed(/not valid YAML: .*alias/i));
});

test('own __proto__ keys stay data and never reach the prototype', () => {
  const { doc } = parseDocumentText('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
  assert.deepEqual(Object.keys(doc as object), ['__proto__', 'constructor']);
  assert.equal(Object.getPrototypeOf(doc), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
