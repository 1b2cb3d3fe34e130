/**
 * What JSON.parse lets through without a word: a key given twice in one object (the last one
 * silently wins), and nesting of any depth (which code walking the result recursively cannot
 * take). One linear pass over text that JSON.parse has already accepted, with an explicit stack.
 */

export interface JsonProblem {
  /** The duplicated key, or the field whose value nests too deeply. */
  path: Array<string | number>;
  /** Where in the text, for a line number. */
  offset: number;
  problem: 'duplicate-key' | 'too-deep';
}

interface Frame {
  list: boolean;
  keys: Set<string>;
  /** The current key (objects) or index (lists). */
  at: string | number;
  expectKey: boolean;
}

/** `text` must be valid JSON. `maxDepth` counts objects and lists, the outermost being 1. */
export function scanJson(text: string, maxDepth: number): JsonProblem | undefined {
  const stack: Frame[] = [];
  const pathOf = (): Array<string | number> => stack.map((f) => f.at);
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const top = stack[stack.length - 1];
      if (top && !top.list && top.expectKey) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (top.keys.has(key)) return { path: [...stack.slice(0, -1).map((f) => f.at), key], offset: start, problem: 'duplicate-key' };
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (stack.length + 1 > maxDepth) return { path: pathOf(), offset: i, problem: 'too-deep' };
      const list = ch === 0x5b;
      stack.push({ list, keys: new Set(), at: list ? 0 : '', expectKey: !list });
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.list) top.at = (top.at as number) + 1;
      else if (top) top.expectKey = true;
    }
  }
  return undefined;
}
