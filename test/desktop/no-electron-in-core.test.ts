/**
 * The layering rule: the core (electron/core/), the shared contract (shared/) and the renderer
 * (renderer/src/) never import Electron, so they run in plain Node and the browser; and the
 * modules of electron/main/ that hold the desktop app's decisions stay pure too — neither they
 * nor anything they load through relative imports imports Electron at run time (a type-only
 * import is erased and allowed there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Packages that import Electron themselves: loading them loads Electron. */
const ELECTRON_PACKAGES = ['electron-store'];

interface ImportRef {
  specifier: string;
  /** Erased at compile time (import type, export type, all-`type` named imports, import('x') in a type). */
  typeOnly: boolean;
  line: number;
}

/** Every module specifier a file refers to: static imports and re-exports, import(), require(), import x = require(). */
function importsOf(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean): void => {
    if (spec && (ts.isStringLiteral(spec) || ts.isNoSubstitutionTemplateLiteral(spec))) {
      out.push({ specifier: spec.text, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      let typeOnly = false;
      if (clause) {
        const named = clause.namedBindings;
        const allNamedAreTypes = !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
        typeOnly = clause.isTypeOnly || (!clause.name && allNamedAreTypes);
      }
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause;
      const allNamedAreTypes = !!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allNamedAreTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isRequireResolve = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'require';
      if (isDynamicImport || isRequire || isRequireResolve) add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** 'electron' or one of its subpaths ('electron/main', 'electron/renderer', …), or a package that loads it. */
function isElectron(specifier: string): boolean {
  return specifier === 'electron' || specifier.startsWith('electron/') || ELECTRON_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** A relative specifier as the TypeScript sources name it ('./x.js' is x.ts or x.tsx). */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, join(base, 'index.ts'), join(base, 'index.tsx')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

test('the import scanner finds every way of importing electron, and only those', () => {
  const sample = [
    "import { app } from 'electron';",
    'import electron from "electron";',
    "import * as e from 'electron/main';",
    "import 'electron';",
    "export { shell } from 'electron';",
    "export * from 'electron/renderer';",
    "const e = await import('electron');",
    'const r = require("electron");',
    "const p = require.resolve('electron');",
    "import x = require('electron');",
    "import Store from 'electron-store';",
    "import type { App } from 'electron';",
    "import { type App } from 'electron';",
    "export type { App } from 'electron';",
    "type W = import('electron').BrowserWindow;",
    // Not electron:
    "import { x } from './electron.js';",
    "import { y } from '../electron/core/x.js';",
    "import z from 'electron-builder';",
    "const s = 'electron';",
    "// import { app } from 'electron';",
    "import { a } from 'my-electron';",
  ].join('\n');
  const refs = importsOf('sample.ts', sample).filter((r) => isElectron(r.specifier));
  assert.deepEqual(
    refs.map((r) => [r.line, r.typeOnly]),
    [
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
      [7, false],
      [8, false],
      [9, false],
      [10, false],
      [11, false],
      [12, true],
      [13, true],
      [14, true],
      [15, true],
    ],
  );
  // A JSX file parses too.
  assert.deepEqual(
    importsOf('x.tsx', "import { app } from 'electron';\nexport const A = () => <div>{String(app)}</div>;").map((r) => r.specifier),
    ['electron'],
  );
});

test('electron-store is counted as Electron because it imports it', () => {
  const index = readFileSync(join(ROOT, 'node_modules', 'electron-store', 'index.js'), 'utf8');
  assert.ok(importsOf('index.ts', index).some((r) => r.specifier === 'electron' && !r.typeOnly));
});

test('electron/core, shared and renderer/src never import Electron, not even its types', () => {
  const dirs = ['electron/core', 'shared', 'renderer/src'];
  const offenders: string[] = [];
  let scanned = 0;
  for (const d of dirs) {
    const files = sourceFiles(join(ROOT, d));
    assert.ok(files.length > 0, `no sources under ${d}`);
    for (const file of files) {
      scanned++;
      for (const ref of importsOf(file, readFileSync(file, 'utf8'))) {
        if (isElectron(ref.specifier)) offenders.push(`${relative(ROOT, file)}:${ref.line} imports '${ref.specifier}'${ref.typeOnly ? ' (type only)' : ''}`);
      }
    }
  }
  assert.ok(scanned > 50, `only ${scanned} files scanned`);
  assert.deepEqual(offenders, []);
});

/** The modules of electron/main/ that decide without Electron (each has its own tests without it). */
const PURE_MAIN_MODULES = [
  'window/security.ts',
  'window/app-protocol.ts',
  'desktop/lifecycle.ts',
  'desktop/rest-control.ts',
  'ipc/ipc-router.ts',
  'ipc/event-messages.ts',
  'tray/tray-model.ts',
  'tray/tray-controller.ts',
  'notifications/notification-model.ts',
  'adapters/keychain.ts',
  'adapters/power.ts',
];

test('the pure modules of electron/main load no Electron, directly or through their relative imports', () => {
  const offenders: string[] = [];
  const seen = new Map<string, string[]>(); // file → the chain that reached it
  const queue: string[] = [];
  for (const m of PURE_MAIN_MODULES) {
    const file = join(ROOT, 'electron', 'main', m);
    assert.ok(existsSync(file), `${m} does not exist`);
    seen.set(file, [m]);
    queue.push(file);
  }
  while (queue.length) {
    const file = queue.shift()!;
    const chain = seen.get(file)!;
    for (const ref of importsOf(file, readFileSync(file, 'utf8'))) {
      if (ref.typeOnly) continue; // erased: loads nothing
      if (isElectron(ref.specifier)) {
        offenders.push(`${[...chain].join(' → ')} imports '${ref.specifier}' (line ${ref.line})`);
        continue;
      }
      if (!ref.specifier.startsWith('.')) continue;
      const target = resolveRelative(file, ref.specifier);
      assert.ok(target, `${relative(ROOT, file)}:${ref.line}: cannot resolve '${ref.specifier}'`);
      if (!seen.has(target)) {
        seen.set(target, [...chain, relative(ROOT, target)]);
        queue.push(target);
      }
    }
  }
  // The walk really went through the core (rest-control loads the REST server and the service).
  assert.ok(seen.has(join(ROOT, 'electron', 'core', 'rest', 'server.ts')));
  assert.ok(seen.has(join(ROOT, 'shared', 'ipc', 'channels.ts')));
  assert.deepEqual(offenders, []);
});

test('the Electron glue modules are not in the pure list (the check above would be vacuous for them)', () => {
  // These do import Electron at run time, which is what the walk must detect if one were listed as pure.
  for (const m of ['window/main-window.ts', 'tray/tray.ts', 'notifications/notifier.ts', 'adapters/config-store.ts', 'main.ts']) {
    const file = join(ROOT, 'electron', 'main', m);
    const refs = importsOf(file, readFileSync(file, 'utf8'));
    assert.ok(refs.some((r) => !r.typeOnly && isElectron(r.specifier)), `${m} was expected to import Electron`);
    assert.ok(!PURE_MAIN_MODULES.includes(m));
  }
});
