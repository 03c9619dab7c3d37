/**
 * mulberry32: a tiny seeded generator whose whole state is one 32-bit number, so it can live
 * inside the ACD state and make the random strategy and the randomized tests reproducible.
 */
export function nextRandom(seed: number): { value: number; seed: number } {
  const s = (seed + 0x6d2b79f5) | 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, seed: s };
}

/** A stateful wrapper for tests and benchmarks. */
export class Prng {
  constructor(private seed: number) {}
  next(): number {
    const r = nextRandom(this.seed);
    this.seed = r.seed;
    return r.value;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }
}
