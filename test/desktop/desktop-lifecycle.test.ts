/**
 * The desktop app's lifecycle decisions (electron/main/desktop/lifecycle.ts) and the two OS
 * adapters the core is given (electron/main/adapters/keychain.ts over safeStorage,
 * electron/main/adapters/power.ts over powerMonitor), with fakes for Electron's objects.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { HIDDEN_ARG, autostartDesktopEntry, loginItemSettings, onWindowClose, showWindowAtStart } from '../../electron/main/desktop/lifecycle.js';
import { safeStorageKeychain, type SafeStorageLike } from '../../electron/main/adapters/keychain.js';
import { watchPower, type PowerMonitorLike } from '../../electron/main/adapters/power.js';

describe('login item and window lifecycle', () => {
  test('loginItemSettings follows start-at-login and always starts hidden', () => {
    assert.deepEqual(loginItemSettings({ 'start-at-login': true }), { openAtLogin: true, args: [HIDDEN_ARG] });
    assert.deepEqual(loginItemSettings({ 'start-at-login': false }), { openAtLogin: false, args: [HIDDEN_ARG] });
    assert.equal(HIDDEN_ARG, '--hidden');
  });

  test('closing the window hides it to the tray only when close-to-tray is on and the app is not quitting', () => {
    assert.equal(onWindowClose({ 'close-to-tray': true }, false), 'hide');
    assert.equal(onWindowClose({ 'close-to-tray': true }, true), 'close');
    assert.equal(onWindowClose({ 'close-to-tray': false }, false), 'close');
    assert.equal(onWindowClose({ 'close-to-tray': false }, true), 'close');
  });

  test('the window is shown at start unless the OS started the app at login', () => {
    assert.equal(showWindowAtStart(['/opt/Tidemark/tidemark'], false), true);
    assert.equal(showWindowAtStart(['/opt/Tidemark/tidemark', '--no-sandbox'], false), true);
    assert.equal(showWindowAtStart(['/opt/Tidemark/tidemark', '--hidden'], false), false);
    assert.equal(showWindowAtStart(['/opt/Tidemark/tidemark', '--inspect', '--hidden'], false), false);
    assert.equal(showWindowAtStart(['/opt/Tidemark/tidemark'], true), false);
    assert.equal(showWindowAtStart([], true), false);
    // Only the exact argument counts.
    assert.equal(showWindowAtStart(['/opt/Tidemark/tidemark', '--hiddenx'], false), true);
  });
});

/** A Desktop Entry file parsed as the spec says, strict where implementations differ. */
function parseDesktopEntry(text: string): Map<string, string> {
  const lines = text.split('\n');
  assert.equal(lines.at(-1), '', 'the file ends with a newline');
  lines.pop();
  assert.equal(lines[0], '[Desktop Entry]');
  const keys = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^([A-Za-z0-9-]+)=(.*)$/.exec(line);
    assert.ok(m, `not a key=value line: ${JSON.stringify(line)}`);
    assert.ok(!keys.has(m[1]!), `key ${m[1]} appears twice`);
    assert.ok(![...m[2]!].some((c) => c.charCodeAt(0) < 0x20), `control character in ${m[1]}`);
    keys.set(m[1]!, m[2]!);
  }
  return keys;
}

const STRING_ESCAPES: Readonly<Record<string, string>> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' };

/** The general escape rule of string values: \s \n \t \r \\; any other escape is invalid (GLib refuses it). */
function unescapeString(value: string): string {
  return value.replace(/\\(.?)/g, (_all, c: string) => {
    const out = STRING_ESCAPES[c];
    if (out === undefined) throw new Error(`invalid escape sequence \\${c} in a string value`);
    return out;
  });
}

const RESERVED = /[ \t\n"'\\><~|&;$*?#()`]/;

/** The Exec key's quoting rules, then its field codes (%% is a literal %; we expect no other code). */
function execArgs(exec: string): string[] {
  const args: string[] = [];
  let i = 0;
  const s = unescapeString(exec);
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    let arg = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        const c = s[i];
        if (c === undefined) throw new Error('unterminated quoted argument');
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const next = s[i + 1];
          if (next === undefined || !'"`$\\'.includes(next)) throw new Error(`a backslash in a quoted argument must escape " \` $ or \\ (got ${JSON.stringify(next)})`);
          arg += next;
          i += 2;
          continue;
        }
        if (c === '`' || c === '$') throw new Error(`unescaped ${c} in a quoted argument`);
        arg += c;
        i++;
      }
      if (s[i] !== undefined && s[i] !== ' ') throw new Error('a quoted argument must be followed by a space');
    } else {
      while (i < s.length && s[i] !== ' ') {
        if (RESERVED.test(s[i]!)) throw new Error(`reserved character ${JSON.stringify(s[i])} in an unquoted argument`);
        arg += s[i];
        i++;
      }
    }
    args.push(
      arg.replace(/%(.?)/g, (_all, c: string) => {
        if (c === '%') return '%';
        throw new Error(`field code %${c} in the Exec key`);
      }),
    );
  }
  return args;
}

describe('autostart desktop entry (Linux)', () => {
  test('a valid entry that starts the app hidden', () => {
    const keys = parseDesktopEntry(autostartDesktopEntry('/opt/Tidemark/tidemark'));
    assert.equal(keys.get('Type'), 'Application');
    assert.equal(keys.get('Name'), 'Tidemark');
    assert.equal(keys.get('Terminal'), 'false');
    assert.ok(keys.has('Exec'));
    assert.deepEqual(execArgs(keys.get('Exec')!), ['/opt/Tidemark/tidemark', '--hidden']);
  });

  test('a path with spaces is one quoted argument', () => {
    const exec = '/home/jo/My Apps/Tidemark 0.1.0.AppImage';
    const keys = parseDesktopEntry(autostartDesktopEntry(exec));
    assert.match(keys.get('Exec')!, /^"[^"]*" --hidden$/);
    assert.deepEqual(execArgs(keys.get('Exec')!), [exec, '--hidden']);
  });

  test('reserved characters without escapes stay inside the quotes', () => {
    for (const exec of ["/home/jo/it's here/tidemark", '/home/jo/a;b&c|d>e<f/tidemark', '/home/jo/*?#~()/tidemark']) {
      const keys = parseDesktopEntry(autostartDesktopEntry(exec));
      assert.deepEqual(execArgs(keys.get('Exec')!), [exec, '--hidden'], exec);
    }
  });

  // The spec applies the string escapes (\\) before the quoting rule: a literal " $ ` \ in a quoted
  // argument must be written \\" \\$ \\` \\\\ in the file, a % as %%, and a newline may not start a new
  // line (GLib rejects anything less with "invalid escape sequence", or mis-reads it).
  test(
    'quotes, $, `, backslashes, % and newlines in the path round-trip through the spec’s parsing',
    () => {
      for (const exec of ['/home/jo/"quoted" dir/tidemark', '/home/jo/$HOME/tidemark', '/home/jo/`id`/tidemark', '/home/jo/back\\slash/tidemark', '/home/jo/100%/tidemark', '/home/jo/new\nline/tidemark']) {
        const keys = parseDesktopEntry(autostartDesktopEntry(exec));
        assert.deepEqual(execArgs(keys.get('Exec')!), [exec, '--hidden'], JSON.stringify(exec));
      }
    },
  );

  test('nothing in the path can end the quoted argument early or reach a shell unescaped', () => {
    // Read leniently (older GLib keeps an unknown escape such as \" as it is), the characters a
    // shell would expand are still escaped inside the quotes; true of a spec-correct entry as well.
    const exec = '/home/jo/"$(touch /tmp/pwned)"`id`\\/tidemark';
    const line = autostartDesktopEntry(exec).split('\n').find((l) => l.startsWith('Exec='))!;
    const lenient = line.slice('Exec='.length).replace(/\\(.?)/g, (all, c: string) => STRING_ESCAPES[c] ?? all);
    assert.ok(lenient.endsWith(' --hidden'));
    const quoted = lenient.slice(0, lenient.lastIndexOf(' --hidden'));
    assert.ok(quoted.startsWith('"') && quoted.endsWith('"'));
    const inner = quoted.slice(1, -1);
    // Every " ` $ inside is preceded by an odd number of backslashes.
    for (let i = 0; i < inner.length; i++) {
      if ('"`$'.includes(inner[i]!)) {
        let n = 0;
        for (let j = i - 1; j >= 0 && inner[j] === '\\'; j--) n++;
        assert.equal(n % 2, 1, `unescaped ${inner[i]} at ${i} in ${inner}`);
      }
    }
  });
});

/** A reversible stand-in for Electron's safeStorage that records what was asked. */
class FakeSafeStorage implements SafeStorageLike {
  calls: string[] = [];
  constructor(
    public available: boolean,
    public backend: string | undefined,
  ) {}
  isEncryptionAvailable(): boolean {
    this.calls.push('isEncryptionAvailable');
    return this.available;
  }
  encryptString(plain: string): Buffer {
    this.calls.push('encryptString');
    if (!this.available) throw new Error('Encryption is not available.');
    // Not the identity, and with bytes that are not valid UTF-8, as real ciphertext.
    return Buffer.concat([Buffer.from([0xff, 0x00, 0x7f]), Buffer.from(plain, 'utf8').reverse()]);
  }
  decryptString(encrypted: Buffer): string {
    this.calls.push('decryptString');
    if (!this.available) throw new Error('Decryption is not available.');
    assert.deepEqual([...encrypted.subarray(0, 3)], [0xff, 0x00, 0x7f], 'not ciphertext of this store');
    return Buffer.from(encrypted.subarray(3)).reverse().toString('utf8');
  }
  getSelectedStorageBackend(): string {
    this.calls.push('getSelectedStorageBackend');
    if (this.backend === undefined) throw new Error('getSelectedStorageBackend is Linux-only');
    return this.backend;
  }
}

describe('safeStorage keychain', () => {
  test('round trip, base64 ciphertext', () => {
    const safe = new FakeSafeStorage(true, 'gnome_libsecret');
    const k = safeStorageKeychain(safe, 'linux');
    assert.equal(k.isAvailable(), true);
    for (const secret of ['s3cr3t', 'pässwörd ✓ 🔑', '', 'a'.repeat(10_000)]) {
      const enc = k.encrypt(secret);
      assert.match(enc, /^[A-Za-z0-9+/]*={0,2}$/, 'base64');
      assert.equal(Buffer.from(enc, 'base64').toString('base64'), enc, 'canonical base64');
      if (secret) assert.notEqual(enc, Buffer.from(secret).toString('base64'), 'the ciphertext is not the plain text');
      assert.equal(k.decrypt(enc), secret);
    }
  });

  test('linux with the basic_text (or unknown) backend counts as no keychain', () => {
    for (const backend of ['basic_text', 'unknown']) {
      const safe = new FakeSafeStorage(true, backend);
      const k = safeStorageKeychain(safe, 'linux');
      assert.equal(k.isAvailable(), false, backend);
      assert.throws(() => k.encrypt('secret'), /keychain is not available/, backend);
      assert.ok(!safe.calls.includes('encryptString'), 'nothing is encrypted with a fixed password');
    }
  });

  test('linux with a real secret store is a keychain', () => {
    for (const backend of ['gnome_libsecret', 'kwallet5', 'kwallet6']) {
      const k = safeStorageKeychain(new FakeSafeStorage(true, backend), 'linux');
      assert.equal(k.isAvailable(), true, backend);
    }
  });

  test('darwin and win32 never consult the backend', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      // A backend that would count as "no keychain" on Linux, and that throws if asked.
      const safe = new FakeSafeStorage(true, undefined);
      const k = safeStorageKeychain(safe, platform);
      assert.equal(k.isAvailable(), true, platform);
      assert.equal(k.decrypt(k.encrypt('x')), 'x');
      assert.ok(!safe.calls.includes('getSelectedStorageBackend'), platform);
      const basic = new FakeSafeStorage(true, 'basic_text');
      assert.equal(safeStorageKeychain(basic, platform).isAvailable(), true);
      assert.ok(!basic.calls.includes('getSelectedStorageBackend'), platform);
    }
  });

  test('encryption not available: encrypt and decrypt throw clear errors', () => {
    const safe = new FakeSafeStorage(true, 'gnome_libsecret');
    const k = safeStorageKeychain(safe, 'linux');
    const enc = k.encrypt('secret');
    safe.available = false;
    safe.calls = [];
    assert.equal(k.isAvailable(), false);
    assert.throws(() => k.encrypt('secret'), /keychain is not available/);
    assert.throws(() => k.decrypt(enc), /locked or not available/);
    assert.ok(!safe.calls.includes('encryptString') && !safe.calls.includes('decryptString'), 'safeStorage is not asked to encrypt or decrypt when unavailable');
    const mac = safeStorageKeychain(new FakeSafeStorage(false, undefined), 'darwin');
    assert.equal(mac.isAvailable(), false);
    assert.throws(() => mac.decrypt(enc), /locked or not available/);
  });
});

/** powerMonitor's shape: an EventEmitter with isOnBatteryPower. */
class FakePowerMonitor extends EventEmitter implements PowerMonitorLike {
  battery = false;
  isOnBatteryPower(): boolean {
    return this.battery;
  }
}

describe('power source', () => {
  test('onBattery reads the monitor each time', () => {
    const m = new FakePowerMonitor();
    const p = watchPower(m, () => undefined);
    assert.equal(p.onBattery(), false);
    m.battery = true;
    assert.equal(p.onBattery(), true);
    m.battery = false;
    assert.equal(p.onBattery(), false);
    p.dispose();
  });

  test('resume and unlock-screen wake the scheduler; other events do not', () => {
    const m = new FakePowerMonitor();
    let wakes = 0;
    const p = watchPower(m, () => wakes++);
    m.emit('resume');
    assert.equal(wakes, 1);
    m.emit('unlock-screen');
    assert.equal(wakes, 2);
    m.emit('suspend');
    m.emit('lock-screen');
    m.emit('on-battery');
    assert.equal(wakes, 2);
    p.dispose();
  });

  test('dispose removes exactly its own listeners', () => {
    const m = new FakePowerMonitor();
    let other = 0;
    m.on('resume', () => other++);
    let wakes = 0;
    const p = watchPower(m, () => wakes++);
    assert.equal(m.listenerCount('resume'), 2);
    assert.equal(m.listenerCount('unlock-screen'), 1);
    p.dispose();
    assert.equal(m.listenerCount('resume'), 1);
    assert.equal(m.listenerCount('unlock-screen'), 0);
    m.emit('resume');
    m.emit('unlock-screen');
    assert.equal(wakes, 0);
    assert.equal(other, 1, 'a listener the adapter did not add stays');
  });
});
