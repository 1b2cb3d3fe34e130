/**
 * Finding one record in `.asb` text. Two ways in:
 * - from the start of a file: a byte search for the record's digest line (`+ d <base64>\n`, the
 *   same 33 bytes in every record that has that digest) skips everything else without parsing;
 *   only around a hit is the text decoded;
 * - from a resume offset (the record index's entry, or a chunk before a hit): decoding starts
 *   in the middle of the file, so a synthetic header is fed first and the decoder resynchronises
 *   at the next line that starts a record (`+ k ` / `+ n `), skipping the partial line.
 * Either way the decoded record's digest is compared, so a look-alike inside a value never
 * counts; when decoding from the resume point does not find the record, the caller falls back to
 * decoding the whole file.
 */
import { AsbDecoder, type AsbItem } from '../../format/asb-reader.js';
import type { BackupRecord } from '../../model/record.js';

const LF = 0x0a;

/** The digest line of a record, as every writer (asbackup, ABS, Tidemark) writes it. */
export function digestLine(digest: Buffer): Buffer {
  return Buffer.from(`+ d ${digest.toString('base64')}\n`, 'latin1');
}

/** Version line of a file's first chunk ('3.0' / '3.1'), needed to decode from the middle. */
export function versionOf(firstChunk: Buffer): '3.0' | '3.1' {
  return firstChunk.toString('latin1', 0, 12) === 'Version 3.0\n' ? '3.0' : '3.1';
}

/**
 * Decodes `text` until the record with `digest` appears. `fromStart`: the text is a whole file;
 * otherwise it starts anywhere before the record (inside a line is fine).
 */
export async function decodeUntil(text: AsyncIterable<Buffer>, digest: Buffer, fromStart: boolean, version: '3.0' | '3.1', file: string): Promise<BackupRecord | null> {
  let found: BackupRecord | null = null;
  const decoder = new AsbDecoder({ file, onBadRecord: () => undefined });
  const sink = (item: AsbItem): void => {
    if (found === null && item.kind === 'record' && item.record.digest.equals(digest)) found = item.record;
  };
  let atLineStart = fromStart;
  if (!fromStart) {
    // A complete (empty) global line puts the decoder in the body, where resync works.
    decoder.feed(Buffer.from(`Version ${version}\n# namespace resume\n* u L resume 0 \n`, 'latin1'), sink);
  }
  for await (const raw of text) {
    let chunk = raw;
    if (!atLineStart) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) continue;
      chunk = chunk.subarray(lf + 1);
      atLineStart = true;
    }
    try {
      decoder.feed(chunk, sink);
    } catch {
      // Decoding from the middle can fail on text that is not ours to judge (the caller then
      // decodes the whole file, which reports real damage).
      return found;
    }
    if (found !== null) return found;
  }
  try {
    decoder.finish(sink);
  } catch {
    // A partial last record from a ranged read is not an error here.
  }
  return found;
}

/**
 * Scans a whole file's text for the digest line, decoding only from the chunk before a hit.
 * Returns the record, or null when the file does not hold it; `undefined` when a hit could not
 * be confirmed from the chunk before it (a record longer than a chunk): decode the whole file.
 */
export async function scanForDigest(text: AsyncIterable<Buffer>, digest: Buffer, file: string): Promise<BackupRecord | null | undefined> {
  const needle = digestLine(digest);
  const it = text[Symbol.asyncIterator]();
  let prev: Buffer | undefined;
  let version: '3.0' | '3.1' = '3.1';
  let first = true;
  for (;;) {
    const next = await it.next();
    if (next.done) return null;
    const cur = next.value;
    if (first) version = versionOf(cur);
    let hit = cur.indexOf(needle) >= 0;
    if (!hit && prev) {
      // The digest line may straddle two chunks.
      const edge = Buffer.concat([prev.subarray(Math.max(0, prev.length - needle.length + 1)), cur.subarray(0, needle.length - 1)]);
      hit = edge.indexOf(needle) >= 0;
    }
    if (hit) {
      const fromStart = first;
      const head = prev ? [prev, cur] : [cur];
      const rest: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: () => ({ next: () => it.next() }),
      };
      const found = await decodeUntil(chain(head, rest), digest, fromStart, version, file);
      if (found) return found;
      // A false hit (the bytes inside a value), or the record began before `prev`.
      return undefined;
    }
    prev = cur;
    first = false;
  }
}

async function* chain(head: Buffer[], rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}
