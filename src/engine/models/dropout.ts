/**
 * Dropout whose masks are made on the device, inside the graph, from a per-step seed: nothing
 * the size of a mask is ever uploaded, and RandomUniformLike (which falls back to the CPU on
 * WebGPU) is not needed. A mask is an ordinary forward value (a bool: where it drops), so the
 * backward pass uses the very same tensor.
 *
 * The masks of one step are drawn together: the model's sites are known before the graph is
 * built (recordDropoutSites), and all sites of one shape — every hidden-state dropout of every
 * layer, say — share one hash with the site as an extra leading axis, so the hash's small part
 * (below) runs once per shape and step, not once per site. A site then makes its own field with
 * one MatMul, when it is applied, so no field larger than the site's own is ever held. A pooled
 * site ([batch, …] where the model also drops [batch, seq, …], like a classification head's)
 * takes the first token's row of an extra site of that shape. On a GPU, where every op is at
 * least one kernel launch, that keeps the launches for dropout to a few per site.
 *
 * The uniform numbers come from a float hash of each element's coordinates:
 *
 * - Coordinates: per axis, a small index tensor broadcast against the others — constant
 *   ranges for static axes, CumSums over a ones tensor made from the attention mask for the
 *   batch and sequence axes (no Shape op). Each index c becomes a phase offset fract(c·α)
 *   with an irrational α per axis (a Weyl sequence: distinct indices stay well apart).
 * - Two independent lanes (different α, salts, gains). Each lane threads a phase through the
 *   axes, φ ← warp(φ + offset), starting from its view of the seed (lane 0: seed·α₀; lane 1:
 *   the seed's low bits magnified) plus a salt hashed from the site's name. warp is an
 *   invertible circle map: it breaks the lattice structure of summed offsets without
 *   amplifying, so float32 keeps ~23 bits telling prefixes apart. Most of this runs on
 *   tensors without the last axis, i.e. small ones, and the offsets are shared by all sites.
 * - Each lane ends with the classic K·sin(φ + offset) on the last axis, and u = fract(K·sin₀ + K·sin₁).
 *   One lane's state is one float32: among 10⁵ rows some would lie within 1/(2πK) of each
 *   other and share most of a mask; needing both lanes to collide makes that negligible, and
 *   summing two nearly uniform lanes mod 1 also flattens the arcsine bias of fract(K·sin).
 * - sin(φ + offset) is expanded by the addition formula, sin φ·cos offset + cos φ·sin offset:
 *   the sines and cosines are taken of the small row-phase tensor and of the offset vector
 *   shared by every site, so both lanes' sum is a MatMul of [rows, 4] row features by [4, last]
 *   column features: the full-size tensor is made by one MatMul and then only compared
 *   (bench/README.md: the mask kernels took 8-19% of a CPU train step with a sin per element).
 * - Every sin argument is kept in [-π, π), where GPU sin is accurate (WGSL promises nothing
 *   outside it); K ≈ 4096 keeps 10 fractional bits of the lanes' sum in float32, plenty for
 *   comparing against a dropout probability.
 *
 * The GPU's sin differs from the CPU's in the last bits, so masks are not bit-identical across
 * backends; each graph computes its mask once and uses it for forward and backward.
 */
import { type Graph, type Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { formatShape, sameShape, type Shape, ShapeError } from '../onnx/shape.ts';
import { Rng } from '../random.ts';

export interface Dropout {
  /**
   * Zeroes each element of x with probability p and scales the survivors by 1/(1−p)
   * (inverted dropout, as torch.nn.Dropout in training mode); p = 0 returns x itself.
   * `site` names the call (e.g. the HF module path); each site of a graph has its own mask.
   */
  apply(x: Value, p: number, site: string): Value;
}

/** One dropout call of a model, as recordDropoutSites saw it. */
export interface DropoutSite {
  readonly site: string;
  readonly shape: Shape;
  readonly p: number;
}

/**
 * The dropout sites a model builder uses, in order: `build` runs once against a dropout that
 * records each call and returns x unchanged (on a scratch graph the caller makes and drops).
 */
export function recordDropoutSites(build: (dropout: Dropout) => void): DropoutSite[] {
  const sites: DropoutSite[] = [];
  build({
    apply(x, p, site) {
      checkSite(x, p, site, sites);
      sites.push({ site, shape: x.shape, p });
      return x;
    },
  });
  return sites;
}

function checkSite(x: Value, p: number, site: string, seen: readonly { site: string }[]): void {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout ${site}: p must be in [0, 1), got ${p}`);
  if (x.dtype !== 'float32') throw new ShapeError(`dropout ${site}: x must be float32, got ${x.dtype}`);
  if (x.rank < 1 || x.rank > maxRank - 1) throw new ShapeError(`dropout ${site}: rank ${x.rank} is outside 1…${maxRank - 1}`);
  if (seen.some((s) => s.site === site)) throw new Error(`dropout site ${site} is used twice; equal sites would draw equal masks`);
}

interface Lane {
  readonly name: string;
  /** The lane's starting phase, before the site's salt. */
  readonly seedPhase: (seed: Value) => Value;
  /** One Weyl rate per axis position. */
  readonly axisRates: readonly number[];
  readonly gain: number;
}

const maxRank = 6;
const firstPrimes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/** Fractional parts of square roots of primes: irrationals with well-spread Weyl sequences. */
function weylRate(k: number): number {
  const root = Math.sqrt(firstPrimes[k]!);
  return root - Math.floor(root);
}

const axisRates = (lane: number) => Array.from({ length: maxRank }, (_, axis) => weylRate(lane * (maxRank + 1) + 1 + axis));

/** Multiplying by a power of two is exact, so fract(seed·2¹²) is the seed's low bits, 4096× magnified. */
const lowSeedBitsScale = 2 ** 12;

/**
 * Lane 0 follows the whole seed linearly (it separates seeds far apart, integers included);
 * lane 1 follows its low bits magnified (it separates seeds a few ulps apart), so any two
 * distinct seeds start at least one lane at a clearly different phase.
 */
const lanes: readonly Lane[] = [
  { name: 'lane0', seedPhase: (seed) => op.mul(seed, weylRate(0)), axisRates: axisRates(0), gain: 4099.3137 },
  {
    name: 'lane1',
    seedPhase: (seed) => op.mul(fract(op.mul(seed, lowSeedBitsScale)), weylRate(maxRank + 1)),
    axisRates: axisRates(1),
    gain: 3929.7742,
  },
];

/** Below 1/(2π) the circle map x + β·sin(2πx) is strictly increasing, hence invertible. */
const warpStrength = 0.1;

/** Exact in float32 for indices below 2^14: αHi has 10 fractional bits, so c·αHi needs ≤ 24. */
const rateSplitBits = 10;

function fract(x: Value): Value {
  return op.sub(x, op.floor(x));
}

/** sin(2π·fract(v) − π): a full period, with the argument where GPU sin is accurate. */
function periodicSin(v: Value): Value {
  return op.sin(op.sub(op.mul(fract(v), 2 * Math.PI), Math.PI));
}

/** [sin(2πv), cos(2πv)], both up to one shared sign, which the addition formula cancels. */
function periodicSinCos(v: Value): [Value, Value] {
  return [periodicSin(v), periodicSin(op.add(v, 0.25))];
}

function warp(phase: Value): Value {
  const t = fract(phase);
  // t is already in [0, 1): its sine needs no second fract.
  const sinT = op.sin(op.sub(op.mul(t, 2 * Math.PI), Math.PI));
  return fract(op.add(t, op.mul(sinT, warpStrength)));
}

/** fract(c·α) for integer-valued c, computed as fract(c·αHi) + c·αLo so large c lose no precision. */
function weylOffset(index: Value, rate: number): Value {
  const scale = 2 ** rateSplitBits;
  const hi = Math.floor(rate * scale) / scale;
  return op.add(fract(op.mul(index, hi)), op.mul(index, Math.fround(rate - hi)));
}

/** FNV-1a of the text, as a fraction in [0, 1). */
function saltOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return Math.fround(hash / 2 ** 32) % 1;
}

/**
 * Per-axis phase offsets fract(c·α) of the tensor being masked, built once per (axis, size,
 * rate) and shared by every site: index tensors 0 … n−1 shaped to broadcast along that axis.
 */
class Coordinates {
  private readonly batchIndex: Value;
  private readonly seqIndex: Value;
  private readonly offsets = new Map<string, Value>();
  private readonly sinCosOffsets = new Map<string, [Value, Value]>();

  constructor(
    private readonly g: Graph,
    private readonly attentionMask: Value,
  ) {
    if (attentionMask.rank !== 2 || attentionMask.dtype !== 'float32') {
      throw new ShapeError(`dropout: the attention mask must be float32 [batch, seq], got ${attentionMask.dtype}${formatShape(attentionMask.shape)}`);
    }
    const [batch, seq] = attentionMask.shape;
    if (typeof batch === 'string' && batch === seq) throw new ShapeError(`dropout: batch and seq share the symbolic name ${batch}`);
    const ones = op.add(op.mul(attentionMask, 0), 1);
    // CumSum of ones counts 1, 2, … along the axis; ReduceMax first keeps these tensors [B,1] and [1,S].
    this.batchIndex = op.sub(op.cumSum(op.reduceMax(ones, [1], true), 0), 1);
    this.seqIndex = op.sub(op.cumSum(op.reduceMax(ones, [0], true), 1), 1);
  }

  offsetAlong(shape: Shape, axis: number, rate: number): Value {
    const key = `${shape.length}:${axis}:${shape[axis]}:${rate}`;
    let offset = this.offsets.get(key);
    if (!offset) {
      offset = this.g.scope('dropout.coordinates', () => weylOffset(this.index(shape, axis), rate));
      this.offsets.set(key, offset);
    }
    return offset;
  }

  sinCosAlong(shape: Shape, axis: number, rate: number): [Value, Value] {
    const key = `${shape.length}:${axis}:${shape[axis]}:${rate}`;
    let sinCos = this.sinCosOffsets.get(key);
    if (!sinCos) {
      const offset = this.offsetAlong(shape, axis, rate);
      sinCos = this.g.scope('dropout.coordinates', () => periodicSinCos(offset));
      this.sinCosOffsets.set(key, sinCos);
    }
    return sinCos;
  }

  private index(shape: Shape, axis: number): Value {
    const dim = shape[axis]!;
    const target = shape.map((d, i) => (i === axis ? d : 1));
    if (typeof dim === 'number') {
      const data = Float32Array.from({ length: dim }, (_, i) => i);
      return this.g.constant({ dtype: 'float32', shape: target as number[], data });
    }
    const [batch, seq] = this.attentionMask.shape;
    if (dim === batch) return op.reshape(this.batchIndex, target);
    if (dim === seq) return op.reshape(this.seqIndex, target);
    throw new ShapeError(`dropout: axis ${axis} of ${formatShape(shape)} is neither static nor the attention mask's batch or seq dimension`);
  }
}

interface Stack {
  /** The shape every slice of the stack has. */
  readonly shape: Shape;
  readonly entries: DropoutSite[];
}

/**
 * Dropout for one graph, for exactly the `sites` recordDropoutSites found. `seed` is a float32
 * scalar input fed a fresh value every step (see dropoutSeedFor); `attentionMask` ([batch,
 * seq], float32) supplies the symbolic sizes.
 */
export function createHashDropout(g: Graph, seed: Value, attentionMask: Value, sites: readonly DropoutSite[]): Dropout {
  if (seed.rank !== 0 || seed.dtype !== 'float32') throw new ShapeError(`dropout: the seed must be a float32 scalar, got ${seed.toString()}`);
  const coordinates = g.scope('dropout.coordinates', () => new Coordinates(g, attentionMask));
  const seedPhases = g.scope('dropout.seed', () => lanes.map((lane) => lane.seedPhase(seed)));
  const { stacks, placement } = planStacks(sites.filter((s) => s.p > 0), attentionMask.shape[1]!);

  /**
   * The hash split into a row part and a column part: per lane, K·sin(φ_row + o_col) =
   * K·sin φ·cos o + K·cos φ·sin o, so the sum of both lanes is a product of row features
   * [..., 4] (one row per element of the shape without its last axis, K·sin φ and K·cos φ of
   * each lane, `salt` and the seed mixed in) and column features [4, last] (cos o and sin o of
   * each lane): one MatMul makes a site's whole field.
   */
  function rowFeatures(shape: Shape, salt: string): Value {
    const last = shape.length - 1;
    const perLane = lanes.flatMap((lane, l) =>
      g.scope(lane.name, () => {
        let phase = op.add(seedPhases[l]!, saltOf(`${lane.name}|${salt}`));
        for (let axis = 0; axis < last; axis++) phase = warp(op.add(phase, coordinates.offsetAlong(shape, axis, lane.axisRates[axis]!)));
        return periodicSinCos(phase).map((v) => op.mul(v, lane.gain));
      }),
    );
    return op.concat(perLane, last);
  }

  function columnFeatures(shape: Shape): Value {
    const last = shape.length - 1;
    const columns = lanes.flatMap((lane) => {
      const [sin, cos] = coordinates.sinCosAlong(shape, last, lane.axisRates[last]!);
      return [cos!, sin!].map((v) => op.reshape(v, [1, shape[last]!]));
    });
    return op.concat(columns, 0);
  }

  // Per stack, the row features of every site at once (small: the shape without its last axis,
  // times 4) and the column features they share.
  const features = new Map<string, { rows: Value; columns: Value; index: number }>();
  stacks.forEach((stack, i) => {
    const name = `dropout.stack${i}${formatShape(stack.shape)}`;
    g.scope(name, () => {
      const stacked: Shape = [stack.entries.length, ...stack.shape];
      const rows = rowFeatures(stacked, name);
      const columns = columnFeatures(stacked);
      stack.entries.forEach((site, index) => features.set(site.site, { rows, columns, index }));
    });
  });

  /**
   * Where the site drops: fract(row features · column features) < p, as a bool mask (a quarter
   * of a float mask's bytes, and the only thing backward keeps). A pooled site uses the first
   * token's row.
   */
  function dropped(site: string, p: number): Value {
    const { rows, columns, index } = features.get(site)!;
    let own = op.gather(rows, g.constant({ dtype: 'int32', shape: [], data: Int32Array.of(index) }), 0);
    if (placement.get(site)!.pooled) own = op.squeeze(op.slice(own, 1, 0, 1), [1]);
    return op.less(fract(op.matMul(own, columns)), p);
  }

  const applied = new Set<string>();
  return {
    apply(x, p, site) {
      if (applied.has(site)) throw new Error(`dropout site ${site} is used twice; equal sites would draw equal masks`);
      const planned = sites.find((s) => s.site === site);
      if (!planned || planned.p !== p || !sameShape(planned.shape, x.shape)) {
        throw new Error(`dropout site ${site} (p ${p}, ${formatShape(x.shape)}) was not among the sites this graph's dropout was made for`);
      }
      applied.add(site);
      if (p === 0) return x;
      // Only the bool mask is kept for backward: where a gradient needs the dropped values (attention
      // probabilities times V), they are recomputed from x and the mask, as x times 0 or 1/(1−p),
      // x itself read as recomputed where it is (a LayerNorm output, on the WebGPU step).
      return g.scope(`dropout(${site})`, () => {
        const drop = dropped(site, p);
        const y = op.where(drop, g.scalar(0), op.mul(x, 1 / (1 - p)));
        return g.recomputeInBackward(y, (read) => op.mul(read(x), op.where(drop, g.scalar(0), 1 / (1 - p))));
      });
    },
  };
}

interface Placement {
  /** The site reads the first token's row of a [batch, seq, …] slice. */
  readonly pooled: boolean;
}

/** Groups sites by shape; a [batch, …tail] site joins the [batch, seq, …tail] stack if there is one. */
function planStacks(sites: readonly DropoutSite[], seq: Shape[number]): { stacks: Stack[]; placement: Map<string, Placement> } {
  const stacks: Stack[] = [];
  const placement = new Map<string, Placement>();
  const stackOf = (shape: Shape) => {
    let stack = stacks.find((s) => sameShape(s.shape, shape));
    if (!stack) {
      stack = { shape, entries: [] };
      stacks.push(stack);
    }
    return stack;
  };
  const add = (stack: Stack, site: DropoutSite, pooled: boolean) => {
    placement.set(site.site, { pooled });
    stack.entries.push(site);
  };
  const pooledShape = (site: DropoutSite): Shape => [site.shape[0]!, seq, ...site.shape.slice(1)];
  for (const site of sites) if (!isPooled(site, sites, pooledShape)) add(stackOf(site.shape), site, false);
  for (const site of sites) if (isPooled(site, sites, pooledShape)) add(stackOf(pooledShape(site)), site, true);
  return { stacks, placement };
}

function isPooled(site: DropoutSite, sites: readonly DropoutSite[], pooledShape: (site: DropoutSite) => Shape): boolean {
  if (site.shape.length < 2 || typeof site.shape[0] !== 'string') return false;
  const widened = pooledShape(site);
  return sites.some((other) => sameShape(other.shape, widened));
}

/**
 * The dropout seed of one micro-step of a run: uniform in [0, 1), reproducible from the
 * run's seed, unrelated between neighbouring steps.
 */
export function dropoutSeedFor(runSeed: number, microStep: number): number {
  for (const [name, value] of [['run seed', runSeed], ['micro-step', microStep]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`dropoutSeedFor: ${name} must be a non-negative safe integer, got ${value}`);
  }
  // A 32-bit key per run and the step, packed injectively into one safe-integer Rng seed
  // (Rng's warm-up makes neighbouring seeds unrelated).
  const runKey = new Rng(runSeed).nextUint32();
  const stepHigh = Math.floor(microStep / 2 ** 21);
  const stepLow = microStep % 2 ** 21;
  return new Rng(stepLow * 2 ** 32 + ((runKey ^ stepHigh) >>> 0)).nextFloat();
}
