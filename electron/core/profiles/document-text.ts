/**
 * Reading and writing profile and ABS config files as JSON or YAML.
 *
 * JSON is read by JSON.parse (strict, fast, any depth) and then scanned for duplicated keys, which
 * JSON.parse resolves silently by keeping the last; YAML by the `yaml` package, which refuses them.
 *
 * YAML numbers: ABS reads its config with Go's yaml.v3, which takes `10_000` as 10000 (a YAML 1.1
 * habit ABS's own example file uses), while YAML 1.2 — the `yaml` package's default — reads it as
 * the string "10_000". Decimal integers written with `_` between digit groups are therefore read
 * as numbers, as ABS does; nothing else of YAML 1.1 is (`yes` stays text, as in yaml.v3). Written
 * YAML quotes strings that would read back as such numbers.
 */
import { CST, parseDocument, Parser, stringify, type ScalarTag } from 'yaml';
import { scanJson } from './json-scan.js';
import { ProfileError } from './profile-error.js';

export type TextFormat = 'json' | 'yaml';

/** No config comes near this; a larger input is refused before it is parsed. */
export const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;
/**
 * Deepest nesting of lists and maps read. A config needs under 10; the limit exists because
 * the YAML composer recurses per level and, near the stack's end, V8 can abort the whole process
 * instead of throwing — so depth is measured first, on the parser's (iterative) syntax tree — and
 * because code walking parsed data recurses too.
 */
export const MAX_NESTING = 64;
/** Path segments reported for a problem deep down: enough to find the field, short enough to read. */
const REPORTED_SEGMENTS = 8;

const underscoreInt: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?[0-9]+(?:_[0-9]+)+$/,
  resolve(source, onError) {
    const n = Number(source.replace(/_/g, ''));
    if (!Number.isSafeInteger(n)) onError(`${source} is too large a whole number`);
    return n;
  },
};

/** JSON when the text starts with `{` or `[`, otherwise YAML. */
export function detectFormat(text: string): TextFormat {
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

/** Parses one JSON or YAML document into plain data; refuses anything a careful reader would not guess at. */
export function parseDocumentText(text: string): { format: TextFormat; doc: unknown } {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.length > MAX_DOCUMENT_CHARS) {
    throw ProfileError.at('malformed', [], `the file has ${source.length} characters, more than the ${MAX_DOCUMENT_CHARS} any config could need`);
  }
  if (source.trim() === '') throw ProfileError.at('malformed', [], 'the file is empty');
  const format = detectFormat(source);
  const doc = format === 'json' ? parseJson(source) : parseYaml(source);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw ProfileError.at('malformed', [], `the file must hold one ${format === 'json' ? 'JSON object' : 'YAML mapping'}, not ${doc === null ? 'nothing' : Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`);
  }
  return { format, doc };
}

function tooDeep(path: Array<string | number>, line: number): ProfileError {
  const shown = path.slice(0, REPORTED_SEGMENTS);
  return ProfileError.at('malformed', shown, `not a config: lists and maps are nested more than ${MAX_NESTING} levels deep ${shown.length ? 'below here ' : ''}(line ${line})`);
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** Strict JSON (JSON.parse, which copes with any depth), then what JSON.parse lets pass. */
function parseJson(source: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch (err) {
    // V8 quotes the text around the error; it may hold a secret, and messages end up in logs.
    const why = (err as Error).message.replace(/,\s*(?:\.\.\.)?".*"(?:\.\.\.)?\s+is not valid JSON$/s, '').slice(0, 200);
    throw ProfileError.at('malformed', [], `not valid JSON: ${why}`);
  }
  const problem = scanJson(source, MAX_NESTING);
  if (problem?.problem === 'too-deep') throw tooDeep(problem.path, lineAt(source, problem.offset));
  if (problem) {
    const key = String(problem.path[problem.path.length - 1]);
    throw ProfileError.at('malformed', problem.path.slice(0, REPORTED_SEGMENTS), `not valid JSON for a config: the key ${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)} is given twice in one object (line ${lineAt(source, problem.offset)})`);
  }
  return doc;
}

function parseYaml(source: string): unknown {
  const deep = tooDeepAt(source);
  if (deep !== undefined) throw tooDeep(deep.path, deep.line);
  let doc: unknown;
  try {
    const parsed = parseDocument(source, {
      schema: 'core',
      customTags: [underscoreInt],
      uniqueKeys: true,
      strict: true,
      // yaml.v3 (ABS) applies `<<` merge keys; a file sharing settings that way means the same here.
      merge: true,
      prettyErrors: true,
    });
    // Warnings (an unknown tag, say) mean a value would be read differently than written: refused too.
    const problems = [...parsed.errors, ...parsed.warnings];
    if (problems.length) {
      throw ProfileError.at('malformed', [], `not valid YAML: ${problems.slice(0, 3).map((e) => e.message.split('\n')[0]).join('; ')}`);
    }
    doc = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    throw ProfileError.at('malformed', [], `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (isCyclic(doc)) throw ProfileError.at('malformed', [], 'not valid YAML data: an alias refers to a node that contains it');
  return doc;
}

/** Whether data refers to itself (YAML `&a [*a]`); depth is bounded by MAX_NESTING otherwise. */
function isCyclic(root: unknown): boolean {
  const onPath = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null) return false;
    if (onPath.has(v)) return true;
    onPath.add(v);
    const cyclic = Object.values(v).some(visit);
    onPath.delete(v);
    return cyclic;
  };
  return visit(root);
}

/**
 * Where nesting first exceeds MAX_NESTING, if it does: the line, and the path of the field under
 * which it happens (its first segments). Walks the syntax tree with an explicit stack.
 */
function tooDeepAt(text: string): { line: number; path: Array<string | number> } | undefined {
  const keyOf = (key: CST.Token | null | undefined): string => {
    if (!key || !CST.isScalar(key)) return '?';
    return CST.resolveAsScalar(key)?.value ?? '?';
  };
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    const stack: Array<[CST.Token | null | undefined, number, Array<string | number>]> = [[token.value, 1, []]];
    while (stack.length) {
      const [t, depth, path] = stack.pop()!;
      if (!t || (t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'flow-collection')) continue;
      if (depth > MAX_NESTING) return { line: lineAt(text, t.offset), path };
      const isList = t.type === 'block-seq' || (t.type === 'flow-collection' && t.start.source === '[');
      t.items.forEach((item, i) => {
        const seg = path.length < REPORTED_SEGMENTS ? [...path, isList ? i : keyOf(item.key)] : path;
        stack.push([item.key, depth + 1, seg], [item.value, depth + 1, seg]);
      });
    }
  }
  return undefined;
}

export function stringifyDocument(doc: unknown, format: TextFormat): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return stringify(doc, { customTags: [underscoreInt], lineWidth: 0, aliasDuplicateObjects: false });
}
