/**
 * The last `limit` bytes of a hook's output (stdout and stderr interleaved as they arrive). A
 * hook can print without bound; what explains a failure is almost always at the end.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.limit) {
      this.dropped += this.size + chunk.length - this.limit;
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** Bytes of output no longer held. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** The kept output as text (a character cut in half at the start is dropped). */
  text(): string {
    const s = Buffer.concat(this.chunks, this.size).toString('utf8');
    return this.dropped > 0 ? s.replace(/^\uFFFD+/, '') : s;
  }

  /** At most `maxChars` from the end, trimmed, marked with '…' when cut. */
  tail(maxChars: number): string {
    const s = this.text().trim();
    if (s.length <= maxChars && this.dropped === 0) return s;
    return '…' + s.slice(Math.max(0, s.length - maxChars)).trimStart();
  }
}
