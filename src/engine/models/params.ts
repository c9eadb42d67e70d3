/**
 * The trainable parameters of a family's model with a task head, in transformers'
 * `named_parameters()` order, with PyTorch names, layouts (Linear weight [out, in]) and the init
 * `_init_weights` gives them, all from the family's module specs (family.ts). The graph creates
 * its parameters from this list, so a checkpoint's keys and the graph's inputs cannot drift apart.
 */
import type { ParamSpec } from '../weights/param-spec.ts';
import { type EncoderConfig, familyOf } from './config.ts';
import { type HeadKind, type LinearSpec, type ModuleSpec, paramSpecsOf } from './family.ts';

/** Every module of the model with `numLabels` outputs per text (or per token), encoder first. */
export function modelModules(config: EncoderConfig, numLabels: number, head: HeadKind = 'sequence-classification'): ModuleSpec[] {
  if (!Number.isInteger(numLabels) || numLabels < 1) throw new Error(`numLabels must be a positive integer, got ${numLabels}`);
  const family = familyOf(config);
  return [
    ...family.embeddings.modules(config),
    ...Array.from({ length: config.numLayers }, (_, i) => family.layer.modules(config, family.layerPrefix(i))).flat(),
    ...family.heads[head].modules(config, numLabels),
  ];
}

/** Every parameter of the family's model with `head` and `numLabels` outputs. */
export function classifierParamSpecs(config: EncoderConfig, numLabels: number, head: HeadKind = 'sequence-classification'): ParamSpec[] {
  return paramSpecsOf(modelModules(config, numLabels, head));
}

/** The Linear at a Hugging Face module path (`bert.encoder.layer.0.attention.self.query`), or null when the model has none there. */
export function findLinear(modules: readonly ModuleSpec[], moduleName: string): LinearSpec | null {
  return modules.find((m): m is LinearSpec => m.kind === 'linear' && m.name === moduleName) ?? null;
}
