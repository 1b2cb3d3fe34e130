/** Helpers for driving byte Transforms in tests. */
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Pipes the pieces through `stream` and returns everything it produced. */
export async function runStream(input: Buffer[], stream: Transform): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(input, { objectMode: false }),
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Cuts a buffer into pieces of `size` bytes (the last may be shorter). */
export function pieces(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}
