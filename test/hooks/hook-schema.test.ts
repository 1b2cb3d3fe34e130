import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HOOK_TIMEOUT_DEFAULT_MS, HookSchema, RoutineHooksSchema, hooksForEvent, isCommandHook } from '../../shared/schemas/hooks.js';

/** "field.path: message" for each issue, as a user would be shown them. */
function problems(value: unknown, schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } } = HookSchema): string[] {
  const r = schema.safeParse(value);
  assert.equal(r.success, false, `expected ${JSON.stringify(value)} to be refused`);
  return r.error!.issues.map((i) => `${i.path.map(String).join('.') || '(hook)'}: ${i.message}`);
}

function assertProblem(value: unknown, expected: RegExp, schema?: Parameters<typeof problems>[1]): void {
  const list = problems(value, schema);
  assert.ok(
    list.some((p) => expected.test(p)),
    `${JSON.stringify(value)}: ${JSON.stringify(list)} has no ${expected}`,
  );
}

describe('hook schema', () => {
  test('the documented example parses, keeps its keys and gets the default timeout', () => {
    const hooks = RoutineHooksSchema.parse({
      'on-start': [{ command: ['/usr/bin/notify', '--x'], timeout: 30000 }],
      'on-success': [{ webhook: 'https://example.com/hook', headers: { 'X-Token': 'abc' }, timeout: 10000 }],
      'on-failure': [{ command: 'echo failed >> /tmp/log', shell: true }],
    });
    assert.deepEqual(hooks['on-start'], [{ command: ['/usr/bin/notify', '--x'], timeout: 30000 }]);
    assert.deepEqual(hooks['on-success'], [{ webhook: 'https://example.com/hook', headers: { 'X-Token': 'abc' }, timeout: 10000 }]);
    assert.deepEqual(hooks['on-failure'], [{ command: 'echo failed >> /tmp/log', shell: true, timeout: HOOK_TIMEOUT_DEFAULT_MS }]);
    assert.equal(isCommandHook(hooksForEvent(hooks, 'start')[0]!), true);
    assert.equal(isCommandHook(hooksForEvent(hooks, 'success')[0]!), false);
    assert.deepEqual(hooksForEvent(undefined, 'failure'), []);
    assert.deepEqual(hooksForEvent({}, 'start'), []);
  });

  test('a parsed hook parses again to itself, so it can be written back to a config file', () => {
    const input = { command: ['/bin/backup-done', '--quiet'], env: { SLACK_CHANNEL: '#ops' }, timeout: 5000 };
    const once = HookSchema.parse(input);
    assert.deepEqual(HookSchema.parse(once), once);
    assert.deepEqual(once, input);
  });

  test('a hook is exactly one of command or webhook', () => {
    assertProblem({}, /^\(hook\): give a command or a webhook$/);
    assertProblem({ command: ['x'], webhook: 'https://example.com' }, /^\(hook\): a hook is either a command or a webhook, not both$/);
  });

  test('a string command needs shell: true, and shell: true needs a string', () => {
    assertProblem({ command: 'echo hi' }, /^command: a command given as one string runs through the shell: say so with shell: true/);
    assertProblem({ command: 'echo hi', shell: false }, /^command: .*shell: true/);
    assertProblem({ command: ['echo', 'hi'], shell: true }, /^shell: shell: true runs one string/);
    assert.deepEqual(HookSchema.parse({ command: 'echo hi', shell: true }), { command: 'echo hi', shell: true, timeout: HOOK_TIMEOUT_DEFAULT_MS });
  });

  test('command arguments are checked one by one, naming the bad one', () => {
    assertProblem({ command: [] }, /^command: give the program to run/);
    assertProblem({ command: [''] }, /^command\.0: the program name is empty$/);
    assertProblem({ command: ['echo', 42] }, /^command\.1: arguments must be strings \(got number\)$/);
    assertProblem({ command: ['echo', 'a\0b'] }, /^command\.1: arguments cannot contain NUL/);
    assertProblem({ command: 17 }, /^command: must be a list of arguments/);
    assertProblem({ command: '   ', shell: true }, /^command: the command is empty$/);
  });

  test('webhooks must be http or https URLs', () => {
    assertProblem({ webhook: 'ftp://example.com/x' }, /^webhook: must be an http:\/\/ or https:\/\/ URL$/);
    assertProblem({ webhook: 'not a url' }, /^webhook: must be an http:\/\/ or https:\/\/ URL$/);
    assertProblem({ webhook: 'https://u:p@example.com/h', headers: { Authorization: 'Bearer x' } }, /^webhook: give credentials either in the URL or in an Authorization header/);
  });

  test('headers: valid names, no line breaks, and not the ones Tidemark sets', () => {
    assertProblem({ webhook: 'https://example.com', headers: { 'bad name': 'x' } }, /^headers\.bad name: not a valid HTTP header name$/);
    assertProblem({ webhook: 'https://example.com', headers: { 'Content-Type': 'text/plain' } }, /^headers\.Content-Type: this header is set by Tidemark/);
    assertProblem({ webhook: 'https://example.com', headers: { 'X-Token': 'a\r\nX-Evil: 1' } }, /^headers\.X-Token: header values cannot contain line breaks/);
    assertProblem({ webhook: 'https://example.com', headers: { 'X-Count': 3 } }, /^headers\.X-Count: header values must be strings$/);
  });

  test('keys of one kind are refused on the other', () => {
    assertProblem({ command: ['x'], headers: { A: 'b' } }, /^headers: only webhooks take headers$/);
    assertProblem({ webhook: 'https://example.com', env: { A: 'b' } }, /^env: only commands take env$/);
    assertProblem({ webhook: 'https://example.com', shell: true }, /^shell: only commands take shell$/);
  });

  test('env: variable names are checked and TIDEMARK_* is reserved for the job facts', () => {
    assertProblem({ command: ['x'], env: { '1BAD': 'v' } }, /^env\.1BAD: environment variable names use letters/);
    assertProblem({ command: ['x'], env: { TIDEMARK_JOB_ID: 'fake' } }, /^env\.TIDEMARK_JOB_ID: TIDEMARK_\* variables are set by Tidemark/);
    assertProblem({ command: ['x'], env: { N: 5 } }, /^env\.N: environment values must be strings$/);
  });

  test('timeout: whole milliseconds from 100 ms to one hour', () => {
    assertProblem({ command: ['x'], timeout: 50 }, /^timeout: must be at least 100 ms$/);
    assertProblem({ command: ['x'], timeout: 3_600_001 }, /^timeout: must be at most 3600000 ms \(1 hour\)$/);
    assertProblem({ command: ['x'], timeout: 1.5 }, /^timeout: must be a whole number of milliseconds$/);
    assertProblem({ command: ['x'], timeout: '30s' }, /^timeout: must be a number of milliseconds$/);
    assert.equal(HookSchema.parse({ command: ['x'], timeout: 3_600_000 }).timeout, 3_600_000);
  });

  test('unknown keys are refused by name, in hooks and in the event map', () => {
    assertProblem({ command: ['x'], tiemout: 100 }, /^\(hook\): unknown key 'tiemout' \(known: command, shell, env, webhook, headers, timeout\)$/);
    assertProblem({ 'on-finish': [] }, /^\(hook\): unknown key 'on-finish' \(known: on-start, on-success, on-failure\)$/, RoutineHooksSchema);
  });

  test('problems inside an event list name the event and the position', () => {
    const list = problems({ 'on-success': [{ command: ['ok'] }, { webhook: 'gopher://x' }], 'on-failure': {} }, RoutineHooksSchema);
    assert.ok(list.includes('on-success.1.webhook: must be an http:// or https:// URL'), JSON.stringify(list));
    assert.ok(list.includes('on-failure: must be a list of hooks'), JSON.stringify(list));
  });
});
