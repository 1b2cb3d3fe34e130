/** A seeded xorshift32: the same "random" unsigned 32-bit numbers on every run, so a failure repeats. */
export function xorshift(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
