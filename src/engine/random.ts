/**
 * Seeded pseudo-random numbers for everything that must be reproducible from a
 * run's seed: weight initialisation, data shuffling, dropout seeds.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * from PractRand): 128 bits of state, passes PractRand and BigCrush, and only
 * needs 32-bit integer arithmetic, which JavaScript does exactly. Its counter
 * word guarantees a period of at least 2^32 from any state, so a restored
 * checkpoint can never land in a short cycle.
 */

const TWO_POW_32 = 0x1_0000_0000;
const STATE_WORDS = 4;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private counter: number;

  /**
   * Any safe integer is a valid seed; its full 64-bit two's-complement value is
   * used, so seeds that differ only above bit 31 give different streams.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Rng seed must be a safe integer, got ${seed}`);
    }
    // PractRand's own sfc32 seeding: the 64-bit seed goes into b and c, and 12
    // warm-up rounds mix it so that nearby seeds give unrelated streams.
    this.a = 0;
    this.b = seed >>> 0;
    this.c = Math.floor(seed / TWO_POW_32) >>> 0;
    this.counter = 1;
    for (let round = 0; round < 12; round++) this.nextUint32();
  }

  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number {
    const result = (this.a + this.b + this.counter) >>> 0;
    this.counter = (this.counter + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + result) >>> 0;
    return result;
  }

  /** A uniformly distributed number in [0, 1), with 32 random bits (more than float32 can hold). */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** A uniformly distributed integer in [0, bound), without modulo bias. */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > TWO_POW_32) {
      throw new RangeError(`Rng.nextInt bound must be an integer in [1, 2^32], got ${bound}`);
    }
    // Reject the top partial block of the 2^32 range so every residue is equally likely.
    const acceptBelow = TWO_POW_32 - (TWO_POW_32 % bound);
    for (;;) {
      const value = this.nextUint32();
      if (value < acceptBelow) return value % bound;
    }
  }

  /**
   * A normally distributed number (Box–Muller). Only one of the pair is used:
   * caching the other would put a float into the state for no measurable gain.
   */
  normal(mean = 0, std = 1): number {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    return mean + std * radius * Math.cos(angle);
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    this.shuffleIndexable(array);
    return array;
  }

  /** A uniformly random ordering of 0 … n-1. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fff_ffff) {
      throw new RangeError(`Rng.permutation length must be an integer in [0, 2^31), got ${n}`);
    }
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    this.shuffleIndexable(order);
    return order;
  }

  /** The generator's full state, plain numbers fit for JSON in a checkpoint. */
  getState(): number[] {
    return [this.a, this.b, this.c, this.counter];
  }

  /** A generator that continues exactly where the one that gave `state` was. */
  static fromState(state: number[]): Rng {
    const isUint32 = (word: number): boolean => Number.isInteger(word) && word >= 0 && word < TWO_POW_32;
    if (state.length !== STATE_WORDS || !state.every(isUint32)) {
      throw new RangeError(`Rng state must be ${STATE_WORDS} unsigned 32-bit integers, got [${state.join(', ')}]`);
    }
    const rng = new Rng(0);
    [rng.a, rng.b, rng.c, rng.counter] = state as [number, number, number, number];
    return rng;
  }

  private shuffleIndexable<T>(items: { length: number; [index: number]: T }): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
  }
}
