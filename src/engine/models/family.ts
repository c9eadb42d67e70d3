/**
 * What a model family (bert, roberta, distilbert…) declares, so that the rest of the engine
 * never switches on `model_type`: its config.json fields and defaults, its modules with their
 * Hugging Face names (hence its parameter names), how its embeddings, one layer and each task
 * head run as graph ops, which config keys hold dropout, its tokenizer class and the transformers
 * class of each head. One family is one file in families/, listed once in families/index.ts.
 */
import type { Value } from '../onnx/graph.ts';
import type { Graph } from '../onnx/graph.ts';
import type { ParamSpec } from '../weights/param-spec.ts';
import type { ConfigFields, ConfigReader, EncoderConfig } from './config.ts';
import type { Dropout } from './dropout.ts';
import type { EncoderInputs } from './encoder.ts';
import type { Params } from './layers.ts';

/** The heads a family can put on its encoder: one output row per text, or per token. */
export type HeadKind = 'sequence-classification' | 'token-classification';

export const HEAD_KINDS: readonly HeadKind[] = ['sequence-classification', 'token-classification'];

/** A module that owns parameters, named by its path in the transformers model (`bert.encoder.layer.0.attention.self.query`). */
export type ModuleSpec =
  | { readonly kind: 'linear'; readonly name: string; readonly inFeatures: number; readonly outFeatures: number }
  | { readonly kind: 'layer-norm'; readonly name: string; readonly width: number }
  | { readonly kind: 'embedding'; readonly name: string; readonly rows: number; readonly width: number; readonly paddingIdx: number | null };

export type LinearSpec = Extract<ModuleSpec, { kind: 'linear' }>;

/** The parameters of `modules`, as named_parameters() lists them, with the init `_init_weights` gives each. */
export function paramSpecsOf(modules: readonly ModuleSpec[]): ParamSpec[] {
  return modules.flatMap((m): ParamSpec[] => {
    switch (m.kind) {
      case 'linear':
        return [
          { name: `${m.name}.weight`, shape: [m.outFeatures, m.inFeatures], init: 'normal' },
          { name: `${m.name}.bias`, shape: [m.outFeatures], init: 'zeros' },
        ];
      case 'layer-norm':
        return [
          { name: `${m.name}.weight`, shape: [m.width], init: 'ones' },
          { name: `${m.name}.bias`, shape: [m.width], init: 'zeros' },
        ];
      case 'embedding': {
        const spec: ParamSpec = { name: `${m.name}.weight`, shape: [m.rows, m.width], init: 'normal' };
        if (m.paddingIdx !== null) spec.zeroRow = m.paddingIdx;
        return [spec];
      }
    }
  });
}

/** What a family's graph builders work with: the graph, the config, the parameters by HF name and the step's dropout. */
export interface BuildContext {
  readonly g: Graph;
  readonly config: EncoderConfig;
  readonly params: Params;
  readonly dropout: Dropout;
}

export interface HeadDefinition {
  /** The transformers class of the model with this head, e.g. BertForTokenClassification. */
  readonly className: string;
  /** The head's modules after the encoder's, in named_parameters() order (BERT's pooler included). */
  modules(config: EncoderConfig, numLabels: number): ModuleSpec[];
  /** Logits from the last hidden states [batch, seq, hidden]: [batch, numLabels] or [batch, seq, numLabels]. */
  build(ctx: BuildContext, hidden: Value, attentionMask: Value): Value;
}

export interface ModelFamily {
  /** config.json's model_type. */
  readonly modelType: string;
  /** The model classes' base_model_prefix: the attribute that holds the encoder, hence its parameters' prefix. */
  readonly basePrefix: string;
  /** The keyword defaults of the transformers config class's __init__. */
  readonly configDefaults: Readonly<Record<string, unknown>>;
  /** The config class's attribute_map: generic names that are aliases of the family's own. */
  readonly attributeMap: Readonly<Record<string, string>>;
  /** The engine's view of the merged config; `values` are the defaults with config.json and overrides over them. */
  readFields(read: ConfigReader, values: Readonly<Record<string, unknown>>): ConfigFields;
  /** The config keys a single "dropout" setting overrides (hidden states and attention probabilities, and the head's own where it has one). */
  readonly dropoutKeys: readonly string[];
  /** The slow tokenizer class AutoTokenizer picks for this model type. */
  readonly tokenizerClass: string;
  readonly embeddings: {
    modules(config: EncoderConfig): ModuleSpec[];
    /** [batch, seq, hidden]: embedded, normalised, dropped out, projected to the hidden size where the family does that. */
    build(ctx: BuildContext, inputs: EncoderInputs): Value;
  };
  /** The module path of encoder layer `index`, e.g. `bert.encoder.layer.3`. */
  layerPrefix(index: number): string;
  readonly layer: {
    modules(config: EncoderConfig, prefix: string): ModuleSpec[];
    build(ctx: BuildContext, x: Value, additiveMask: Value, prefix: string): Value;
  };
  readonly heads: Readonly<Record<HeadKind, HeadDefinition>>;
}
