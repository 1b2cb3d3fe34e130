/**
 * The main window's security as data and pure decisions (electron/main/window/security.ts) and
 * the `tidemark://app/ui/…` scheme's answers (electron/main/window/app-protocol.ts), against a
 * temporary renderer bundle: web preferences, the Content-Security-Policy, navigation,
 * permissions, which IPC senders are trusted, and that no request ever reaches a file outside
 * the bundle.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import {
  APP_ENTRY,
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  WEB_PREFERENCES,
  isAppUrl,
  mainWindowOptions,
  navigationDecision,
  permissionGranted,
  trustedSender,
} from '../../electron/main/window/security.js';
import { SECURITY_HEADERS, resolveAppResource, type AppResource } from '../../electron/main/window/app-protocol.js';

let root: string;
/** The bundle folder (no trailing separator, as a caller might pass it). */
let bundle: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'tidemark-window-security-'));
  bundle = join(root, 'bundle');
  mkdirSync(join(bundle, 'assets'), { recursive: true });
  writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>Tidemark</title>');
  writeFileSync(join(bundle, 'assets', 'x.js'), 'console.log(1)');
  writeFileSync(join(bundle, 'assets', 'y.css'), 'body{}');
  // A sibling whose name starts with the bundle's: a prefix check without a separator would let it through.
  mkdirSync(join(root, 'bundle-evil'), { recursive: true });
  writeFileSync(join(root, 'bundle-evil', 'secret.js'), 'secret');
  writeFileSync(join(root, 'secret.txt'), 'secret');
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Parses a CSP into directive → sources. */
function cspDirectives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!out.has(name), `directive ${name} appears twice`);
    out.set(name, sources);
  }
  return out;
}

describe('web preferences', () => {
  test('the window is sandboxed, context-isolated and without Node', () => {
    const o = mainWindowOptions({ preload: '/app/dist/main/preload.cjs' });
    const wp = o.webPreferences;
    assert.ok(wp);
    assert.equal(wp.contextIsolation, true);
    assert.equal(wp.sandbox, true);
    assert.equal(wp.nodeIntegration, false);
    assert.equal(wp.nodeIntegrationInWorker, false);
    assert.equal(wp.nodeIntegrationInSubFrames, false);
    assert.equal(wp.webSecurity, true);
    assert.equal(wp.webviewTag, false);
    assert.equal(wp.allowRunningInsecureContent, false);
    assert.equal(wp.experimentalFeatures, false);
    assert.equal(wp.navigateOnDragDrop, false);
    assert.equal(wp.preload, '/app/dist/main/preload.cjs');
  });

  test('the window has a usable minimum size and starts hidden unless asked', () => {
    const o = mainWindowOptions({ preload: 'p.cjs' });
    assert.ok((o.minWidth ?? 0) >= 1024, `minWidth ${o.minWidth}`);
    assert.ok((o.minHeight ?? 0) >= 700, `minHeight ${o.minHeight}`);
    assert.ok((o.width ?? 0) >= (o.minWidth ?? 0));
    assert.ok((o.height ?? 0) >= (o.minHeight ?? 0));
    assert.equal(o.show, false);
    assert.equal(mainWindowOptions({ preload: 'p.cjs', show: true }).show, true);
    assert.equal('icon' in o, false);
    assert.equal(mainWindowOptions({ preload: 'p.cjs', icon: '/i.png' }).icon, '/i.png');
  });

  test('the shared preferences cannot be changed through one window’s options', () => {
    assert.ok(Object.isFrozen(WEB_PREFERENCES));
    const a = mainWindowOptions({ preload: 'a.cjs' });
    a.webPreferences!.sandbox = false;
    a.webPreferences!.nodeIntegration = true;
    const b = mainWindowOptions({ preload: 'b.cjs' });
    assert.equal(b.webPreferences?.sandbox, true);
    assert.equal(b.webPreferences?.nodeIntegration, false);
    assert.equal(b.webPreferences?.preload, 'b.cjs');
    assert.equal(WEB_PREFERENCES.preload, undefined);
  });
});

describe('content security policy', () => {
  const csp = cspDirectives(CONTENT_SECURITY_POLICY);

  test('nothing but the app’s own scripts', () => {
    assert.ok(!CONTENT_SECURITY_POLICY.includes("'unsafe-eval'"));
    assert.ok(!CONTENT_SECURITY_POLICY.includes("'wasm-unsafe-eval'"));
    assert.deepEqual(csp.get('script-src'), ["'self'"]);
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('object-src'), ["'none'"]);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  });

  test('no directive allows a remote origin or a wildcard', () => {
    for (const [name, sources] of csp) {
      for (const s of sources) {
        assert.ok(["'self'", "'none'", "'unsafe-inline'", 'data:'].includes(s), `${name} allows ${s}`);
      }
    }
    // 'unsafe-inline' only for styles (Mantine's style attributes), never for scripts.
    for (const [name, sources] of csp) if (sources.includes("'unsafe-inline'")) assert.equal(name, 'style-src');
    assert.ok(!(csp.get('connect-src') ?? []).includes('data:'));
  });
});

describe('navigation', () => {
  test('the app’s own pages: navigate yes, new window no', () => {
    for (const url of [APP_ENTRY, `${APP_ORIGIN}/ui/jobs?job=1`, `${APP_ORIGIN}/ui/#token=x`]) {
      assert.deepEqual(navigationDecision(url, 'navigate'), { action: 'allow' }, url);
      assert.deepEqual(navigationDecision(url, 'new-window'), { action: 'deny' }, url);
    }
  });

  test('https links open in the browser, normalised', () => {
    assert.deepEqual(navigationDecision('https://aerospike.com/docs/tools/backup', 'navigate'), { action: 'open-in-browser', url: 'https://aerospike.com/docs/tools/backup' });
    assert.deepEqual(navigationDecision('https://github.com/', 'new-window'), { action: 'open-in-browser', url: 'https://github.com/' });
    assert.deepEqual(navigationDecision('HTTPS://Example.COM', 'new-window'), { action: 'open-in-browser', url: 'https://example.com/' });
  });

  test('everything else is refused', () => {
    const refused = [
      'http://example.com/',
      'http://127.0.0.1:8080/ui/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'blob:tidemark://app/0b5c1f4e',
      'about:blank',
      'chrome://settings',
      'ftp://example.com/',
      'https://user:secret@example.com/',
      'https://user@example.com/',
      'tidemark://user:secret@app/ui/',
      'tidemark://evil/ui/',
      'tidemark://app:8080/ui/',
      'tidemarkx://app/ui/',
      'not a url',
      '',
      '//example.com/',
      '/ui/jobs',
    ];
    for (const url of refused) {
      for (const kind of ['navigate', 'new-window'] as const) assert.deepEqual(navigationDecision(url, kind), { action: 'deny' }, `${kind} ${url}`);
    }
  });

  test('isAppUrl: only the app origin, without credentials', () => {
    assert.equal(isAppUrl(APP_ENTRY), true);
    assert.equal(isAppUrl('tidemark://app'), true);
    assert.equal(isAppUrl('tidemark://app.evil/ui/'), false);
    assert.equal(isAppUrl('tidemark://:pw@app/ui/'), false);
    assert.equal(isAppUrl('garbage'), false);
  });
});

test('no permission is ever granted', () => {
  const permissions = [
    'media',
    'geolocation',
    'notifications',
    'midi',
    'midiSysex',
    'pointerLock',
    'fullscreen',
    'openExternal',
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'idle-detection',
    'window-management',
    'keyboardLock',
    'hid',
    'serial',
    'usb',
    'storage-access',
    'top-level-storage-access',
    'unknown',
    '',
  ];
  for (const p of permissions) assert.equal(permissionGranted(p), false, p);
});

describe('trusted IPC senders', () => {
  test('the app’s top frame is trusted', () => {
    assert.equal(trustedSender({ url: APP_ENTRY, parent: null }), true);
    assert.equal(trustedSender({ url: `${APP_ORIGIN}/ui/jobs?job=1`, parent: null }), true);
  });

  test('subframes, other origins and missing frames are refused', () => {
    assert.equal(trustedSender({ url: APP_ENTRY, parent: { url: APP_ENTRY, parent: null } }), false);
    assert.equal(trustedSender({ url: APP_ENTRY, parent: undefined }), false, 'a frame without a known parent is not the top frame');
    assert.equal(trustedSender({ url: 'https://example.com/', parent: null }), false);
    assert.equal(trustedSender({ url: 'http://127.0.0.1:8080/ui/', parent: null }), false);
    assert.equal(trustedSender({ url: 'file:///app/dist/renderer/index.html', parent: null }), false);
    assert.equal(trustedSender({ url: 'tidemark://evil/ui/', parent: null }), false);
    assert.equal(trustedSender({ url: 'about:blank', parent: null }), false);
    assert.equal(trustedSender({ url: '', parent: null }), false);
    assert.equal(trustedSender(null), false);
    assert.equal(trustedSender(undefined), false);
  });
});

describe('resolveAppResource', () => {
  /** Fails unless the answer is a 404 or a file inside the bundle. */
  function assertContained(r: AppResource, url: string): void {
    if (r.status === 404) return;
    const file = resolve(r.file);
    assert.ok(file.startsWith(bundle + sep), `${url} resolved outside the bundle: ${file}`);
  }

  test('the entry page is index.html with the security headers', () => {
    const r = resolveAppResource(APP_ENTRY, bundle);
    assert.equal(r.status, 200);
    assert.equal(r.file, join(bundle, 'index.html'));
    assert.match(r.headers['content-type'] ?? '', /^text\/html/);
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(r.headers[k], v, k);
  });

  test('the UI’s own routes answer index.html, so a reload keeps the page', () => {
    for (const route of ['jobs', 'jobs?job=abc', 'routines/nightly', 'settings/', 'jobs#x']) {
      const r = resolveAppResource(`${APP_ENTRY}${route}`, bundle);
      assert.equal(r.status, 200, route);
      assert.equal(r.file, join(bundle, 'index.html'), route);
      assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    }
  });

  test('bundle files with their content type and the security headers', () => {
    const js = resolveAppResource(`${APP_ENTRY}assets/x.js`, bundle);
    assert.equal(js.status, 200);
    assert.equal(js.file, join(bundle, 'assets', 'x.js'));
    assert.match(js.headers['content-type'] ?? '', /^text\/javascript/);
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.equal(js.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    const css = resolveAppResource(`${APP_ENTRY}assets/y.css?v=2`, bundle);
    assert.equal(css.status, 200);
    assert.equal(css.file, join(bundle, 'assets', 'y.css'));
    assert.match(css.headers['content-type'] ?? '', /^text\/css/);
  });

  test('a trailing separator on the folder changes nothing', () => {
    const r = resolveAppResource(`${APP_ENTRY}assets/x.js`, bundle + sep);
    assert.equal(r.status, 200);
    assert.equal(resolve(r.file), join(bundle, 'assets', 'x.js'));
  });

  test('traversal never leaves the bundle', () => {
    const attempts = [
      '/ui/../../etc/passwd',
      '/ui/%2e%2e/%2e%2e/etc/passwd',
      '/ui/%2E%2E/%2E%2E/etc/passwd',
      '/ui/.%2e/.%2e/secret.txt',
      '/ui/assets/..%2f..%2f..%2fetc%2fpasswd',
      '/ui/..%2f..%2fetc%2fpasswd',
      '/ui/..%2fsecret.txt',
      '/ui/..%2fbundle-evil%2fsecret.js',
      '/ui/%2e%2e%2fbundle-evil%2fsecret.js',
      '/ui/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/ui/%252e%252e%252fsecret.txt',
      '/ui/..%5c..%5csecret.txt',
      '/ui/assets/x.js%00.png',
      '/ui/%00',
      '/ui/..%00/secret.txt',
      '/ui/assets/%E0%A4%A.js',
      '/ui/%.js',
      '/ui/%zz.css',
      '/ui/%2fetc%2fpasswd.txt',
      '/ui//etc/passwd.txt',
    ];
    for (const path of attempts) {
      const url = `${APP_ORIGIN}${path}`;
      const r = resolveAppResource(url, bundle);
      assertContained(r, url);
    }
    // The decoded-traversal ones name a file with an extension: they must be refused outright, not turned into index.html.
    for (const path of ['/ui/assets/..%2f..%2f..%2fetc%2fpasswd', '/ui/..%2fsecret.txt', '/ui/..%2fbundle-evil%2fsecret.js', '/ui/assets/%E0%A4%A.js']) {
      assert.equal(resolveAppResource(`${APP_ORIGIN}${path}`, bundle).status, 404, path);
    }
  });

  test('other hosts, schemes and paths outside /ui/ are 404', () => {
    const outside = [
      'tidemark://evil/ui/',
      'tidemark://evil/ui/assets/x.js',
      'tidemark://app/',
      'tidemark://app/ui',
      'tidemark://app/uix/',
      'tidemark://app/api/v1/config',
      'tidemark://app/etc/passwd',
      'tidemark://app/assets/x.js',
      'https://app/ui/',
      'http://app/ui/',
      'file:///ui/index.html',
      'not a url',
      '',
    ];
    for (const url of outside) assert.equal(resolveAppResource(url, bundle).status, 404, url);
  });
});
