/**
 * Test support: checks backward() against central finite differences of the forward graph,
 * both run by onnxruntime. The function checked is f = Σ op(x…)·R with a fixed random R, so
 * every output element influences f with its own weight.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { encodeModel } from '../onnx/encode.ts';
import { Graph, type Value } from '../onnx/graph.ts';
import * as op from '../onnx/ops.ts';
import { backward } from './backward.ts';

export interface GradcheckCase {
  /** Records the function under test into a fresh graph; the wrt values must be inputs or parameters. */
  readonly build: (g: Graph) => { readonly output: Value; readonly wrt: readonly Value[]; readonly stopGradient?: ReadonlySet<Value> };
  /** A concrete tensor for every input and parameter build() declares. */
  readonly feeds: Readonly<Record<string, ort.Tensor>>;
  /** The central-difference step: small enough for the curvature, large enough for float32 rounding. */
  readonly step?: number;
  /** Gradients smaller than this are compared absolutely rather than relatively. */
  readonly floor?: number;
}

export interface GradcheckResult {
  /** The largest |analytic − numeric| / max(|analytic|, |numeric|, floor) over all checked elements. */
  readonly maxError: number;
  readonly worst: string;
  /** The analytic gradient of each wrt value, by its name. */
  readonly analytic: ReadonlyMap<string, Float32Array>;
  /** The graph with the gradient nodes, for tests that inspect what backward() recorded. */
  readonly graph: Graph;
}

/** Deterministic uniform values in [low, high), so a failing case reproduces exactly. */
export function uniform(dims: readonly number[], seed: number, low = -1, high = 1): ort.Tensor {
  let state = seed >>> 0 || 1;
  const size = dims.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, () => {
    // xorshift32: enough for test inputs, and independent of the engine's own Rng.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return low + ((state >>> 0) / 0x1_0000_0000) * (high - low);
  });
  return new ort.Tensor('float32', data, [...dims]);
}

export const floats = (data: readonly number[], dims: readonly number[]) => new ort.Tensor('float32', Float32Array.from(data), [...dims]);

const WEIGHTS = 'gradcheck_weights';

function weightedSum(output: Value): Value {
  const weights = output.graph.input(WEIGHTS, 'float32', output.shape);
  const product = op.mul(output, weights);
  return output.rank === 0 ? product : op.reduceSum(product, output.shape.map((_, i) => i));
}

async function session(g: Graph): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(g));
}

function feedsFor(s: ort.InferenceSession, feeds: Readonly<Record<string, ort.Tensor>>): Record<string, ort.Tensor> {
  return Object.fromEntries(s.inputNames.map((name) => [name, feeds[name]!]));
}

export async function gradcheck(testCase: GradcheckCase): Promise<GradcheckResult> {
  const step = testCase.step ?? 1e-2;
  const floor = testCase.floor ?? 1e-2;

  // The output's concrete dims, for the weights, come from running the forward graph once.
  const probe = new Graph('gradcheck_probe');
  probe.output(op.identity(testCase.build(probe).output), 'y');
  const probeSession = await session(probe);
  const { y } = await probeSession.run(feedsFor(probeSession, testCase.feeds));
  const feeds: Record<string, ort.Tensor> = { ...testCase.feeds, [WEIGHTS]: uniform(y!.dims, 7) };

  const g = new Graph('gradcheck');
  const { output, wrt, stopGradient } = testCase.build(g);
  const loss = weightedSum(output);
  g.output(op.identity(loss), 'loss');
  const lossSession = await session(g);
  const grads = backward(loss, wrt, stopGradient ? { stopGradient } : {});
  const checked = wrt.filter((v) => grads.has(v));
  checked.forEach((v) => g.output(op.identity(grads.get(v)!), `grad_${v.name}`));
  const gradSession = await session(g);
  const results = await gradSession.run(feedsFor(gradSession, feeds));

  const lossAt = async (name: string, data: Float32Array) => {
    const perturbed = { ...feeds, [name]: new ort.Tensor('float32', data, feeds[name]!.dims) };
    const out = await lossSession.run(feedsFor(lossSession, perturbed));
    return (out.loss!.data as Float32Array)[0]!;
  };

  let maxError = 0;
  let worst = 'no elements checked';
  const analytic = new Map<string, Float32Array>();
  for (const v of checked) {
    const grad = results[`grad_${v.name}`]!.data as Float32Array;
    analytic.set(v.name, grad);
    const base = feeds[v.name]!.data as Float32Array;
    for (let j = 0; j < base.length; j++) {
      const plus = Float32Array.from(base);
      plus[j] = base[j]! + step;
      const minus = Float32Array.from(base);
      minus[j] = base[j]! - step;
      // Divides by the float32-rounded distance actually stepped, not 2·step.
      const numeric = ((await lossAt(v.name, plus)) - (await lossAt(v.name, minus))) / (plus[j]! - minus[j]!);
      const error = Math.abs(grad[j]! - numeric) / Math.max(Math.abs(grad[j]!), Math.abs(numeric), floor);
      if (error >= maxError) {
        maxError = error;
        worst = `${v.name}[${j}]: analytic ${grad[j]}, numeric ${numeric}`;
      }
    }
  }
  return { maxError, worst, analytic, graph: g };
}

/** Asserts that backward() agrees with finite differences within `tolerance`, and returns the check. */
export async function expectGradientsMatch(testCase: GradcheckCase, tolerance = 1e-2): Promise<GradcheckResult> {
  const result = await gradcheck(testCase);
  expect(result.analytic.size, 'no gradient was checked').toBeGreaterThan(0);
  expect(result.maxError, result.worst).toBeLessThan(tolerance);
  return result;
}
