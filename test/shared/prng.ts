/**
 * A seeded pseudo-random generator for property tests (SplitMix64): the same seed gives the same cases on every
 * run and machine, so a failure is reproducible from the test's seed alone.
 */
const MASK64 = (1n << 64n) - 1n;

export interface Prng {
  /** A uniform integer in [0, 2^n). */
  bits(n: number): bigint;
  /** A uniform-enough integer in [0, n) (n <= 2^32: the modulo bias is below 2^-32). */
  below(n: number): number;
  /** A uniform-enough bigint in [lo, hi] (lo <= hi). */
  between(lo: bigint, hi: bigint): bigint;
  /** +1n or -1n with equal odds. */
  sign(): bigint;
}

export function prng(seed: number | bigint): Prng {
  let state = BigInt(seed) & MASK64;
  const next64 = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
  const bits = (n: number): bigint => {
    let out = 0n;
    for (let i = 0; i < Math.ceil(n / 64); i++) out = (out << 64n) | next64();
    return out & ((1n << BigInt(n)) - 1n);
  };
  const between = (lo: bigint, hi: bigint): bigint => {
    const span = hi - lo + 1n;
    return lo + (bits(span.toString(2).length + 64) % span); // 64 spare bits: bias below 2^-64
  };
  return {
    bits,
    below: (n) => Number(next64() % BigInt(n)),
    between,
    sign: () => (bits(1) === 0n ? -1n : 1n),
  };
}
