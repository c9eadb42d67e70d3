import { describe, expect, it } from 'vitest';
import { Rng } from './random.ts';

const draw = (rng: Rng, count: number): number[] => Array.from({ length: count }, () => rng.nextUint32());

describe('Rng', () => {
  it('matches PractRand sfc32 with its 64-bit seeding (outputs from the C reference)', () => {
    expect(draw(new Rng(42), 4)).toEqual([1264412219, 1947509147, 3919439299, 1251167922]);
    expect(draw(new Rng(0), 4)).toEqual([1363572419, 145230303, 808754475, 4216505632]);
    expect(draw(new Rng(0x1_2345_6789), 4)).toEqual([592304131, 4256567272, 2980007733, 2983991496]);
    expect(draw(new Rng(-1), 4)).toEqual([3339006752, 3678934910, 3081961671, 2370706465]);
  });

  it('gives the same stream for the same seed and a different one for another seed', () => {
    expect(draw(new Rng(7), 100)).toEqual(draw(new Rng(7), 100));
    expect(draw(new Rng(7), 100)).not.toEqual(draw(new Rng(8), 100));
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Rng(1.5)).toThrow(/safe integer/);
    expect(() => new Rng(2 ** 60)).toThrow(/safe integer/);
  });

  it('continues the same stream after a state round-trip through JSON', () => {
    const original = new Rng(1234);
    draw(original, 17);
    original.normal();
    const restored = Rng.fromState(JSON.parse(JSON.stringify(original.getState())) as number[]);
    expect(draw(restored, 50)).toEqual(draw(original, 50));
    expect(restored.normal(1, 2)).toBe(original.normal(1, 2));
    expect(restored.permutation(20)).toEqual(original.permutation(20));
  });

  it('rejects a malformed state', () => {
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/4 unsigned 32-bit integers/);
    expect(() => Rng.fromState([1, 2, 3, -4])).toThrow(/4 unsigned 32-bit integers/);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(/4 unsigned 32-bit integers/);
  });

  it('keeps nextFloat in [0, 1) with a mean near 1/2', () => {
    const rng = new Rng(3);
    let sum = 0;
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const value = rng.nextFloat();
      if (!(value >= 0 && value < 1)) outOfRange += 1;
      sum += value;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005);
  });

  it('draws nextInt uniformly over [0, bound)', () => {
    const rng = new Rng(5);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.nextInt(6)]! += 1;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(() => rng.nextInt(0)).toThrow(/bound/);
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const rng = new Rng(11);
    const count = 100_000;
    let sum = 0;
    let sumOfSquares = 0;
    for (let i = 0; i < count; i++) {
      const value = rng.normal(3, 0.02);
      sum += value;
      sumOfSquares += value * value;
    }
    const mean = sum / count;
    const std = Math.sqrt(sumOfSquares / count - mean * mean);
    // Standard error of the mean is 0.02 / sqrt(1e5) ≈ 6e-5; of the std ≈ 4.5e-5.
    expect(Math.abs(mean - 3)).toBeLessThan(3e-4);
    expect(Math.abs(std - 0.02)).toBeLessThan(3e-4);
  });

  it('returns a permutation of 0 … n-1', () => {
    const order = new Rng(9).permutation(1000);
    expect(order).toBeInstanceOf(Int32Array);
    expect(Array.from(order).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(order)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new Rng(9).permutation(0)).toEqual(new Int32Array(0));
  });

  it('shuffles in place, returns the same array, and moves each element to every slot about equally', () => {
    const rng = new Rng(21);
    const items = ['a', 'b', 'c', 'd'];
    expect(rng.shuffle(items)).toBe(items);
    expect([...items].sort()).toEqual(['a', 'b', 'c', 'd']);

    const firstSlotCounts = new Map<number, number>();
    for (let trial = 0; trial < 40_000; trial++) {
      const first = rng.shuffle([0, 1, 2, 3])[0]!;
      firstSlotCounts.set(first, (firstSlotCounts.get(first) ?? 0) + 1);
    }
    for (let value = 0; value < 4; value++) {
      expect(Math.abs((firstSlotCounts.get(value) ?? 0) - 10_000)).toBeLessThan(400);
    }
  });
});
