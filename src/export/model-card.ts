/**
 * The README.md model card of an exported model: what it was trained on, how, and how well, in
 * the layout the Hugging Face Hub renders: YAML metadata as the Hub's model card spec defines it
 * (huggingface/hub-docs modelcard.md: `library_name`, `pipeline_tag`, `base_model`, `datasets`,
 * `metrics`, and `model-index` with task, dataset and metric `type`/`value`), then Markdown.
 * The studio (workers/export-bundle.ts) and the CLI (src/cli/train.ts) each describe their run
 * as a `ModelCardRun`.
 */
import type { ClassMetrics } from '../engine/metrics.ts';
import { type TaskMetrics, taskOfMetrics, taskOfModelConfig } from '../engine/tasks/index.ts';
import { modelEvaluation } from '../engine/best-model.ts';
import type { ColumnMapping } from '../data/columns.ts';
import type { TrainingCheckpoint } from '../engine/checkpoint.ts';
import { architectureClassName, parseModelConfig } from '../engine/models/config.ts';
import { THRESHOLD_CONFIG_KEY, validationTunedThreshold } from './decision-threshold.ts';
import { ADAPTER_FOLDER, checkpointPlan } from './lora-export.ts';
import { usageExamples } from './usage-examples.ts';
import type { QuantizationReport } from './quantize.ts';

export type { QuantizationReport };

export interface ModelCardData {
  /** The training data file as the user named it. */
  readonly fileName: string;
  /** Rows in that file. */
  readonly rows: number;
  readonly columns: ColumnMapping;
  /** A seeded stratified share of the file, or a separate validation file. */
  readonly split:
    | { readonly kind: 'fraction'; readonly fraction: number; readonly seed: number }
    | { readonly kind: 'file'; readonly fileName: string; readonly rows: number };
  /** Rows with each label in label-id order (a multi-label row counts for each of its labels). */
  readonly trainCounts: readonly number[];
  readonly validationCounts: readonly number[];
  readonly trainRows: number;
  readonly validationRows: number;
  /** The Hub dataset id when the data came from the Hub; listed under `datasets`. */
  readonly hubDatasetId?: string | null;
}

export interface ModelCardRun {
  readonly checkpoint: TrainingCheckpoint;
  /** Hub id or folder name; a Hub id becomes `base_model`. */
  readonly baseModel: { readonly name: string; readonly fromHub: boolean; readonly pretrained: boolean };
  readonly data: ModelCardData;
  /** Where the run happened, finishing "Trained with Fine-Tune Studio …", e.g. "in a web browser (WebGPU: …)". */
  readonly trainedWith: string;
  readonly quantization?: QuantizationReport | null;
  /** Multi-label: the decision threshold config.json stores (decision-threshold.ts); other tasks ignore it. */
  readonly threshold: number;
}

/** Enough points to redraw the curve's shape; the full per-step log is in trainer_state.json. */
const CURVE_POINTS = 100;

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const fixed = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Markdown table cells must not contain pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => cell(String(c))).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Every k-th step, plus the last, so the curve keeps its end. */
export function curvePoints<T>(points: readonly T[], limit = CURVE_POINTS): T[] {
  if (points.length <= limit) return [...points];
  const stride = Math.ceil(points.length / limit);
  const picked = points.filter((_, i) => i % stride === 0);
  if (picked.at(-1) !== points.at(-1)) picked.push(points.at(-1)!);
  return picked;
}

// ---------------------------------------------------------------- YAML front matter

type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

/** Words YAML 1.1 readers (PyYAML, the Hub's) take as booleans or null when unquoted. */
const YAML_RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;

/** Plain where no YAML reader could take it for anything but that string; double-quoted otherwise. */
function yamlScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`model card metadata cannot hold ${value}`);
    return String(value);
  }
  if (/^[A-Za-z_][A-Za-z0-9_./ -]*$/.test(value) && !/ $/.test(value) && !YAML_RESERVED.test(value)) return value;
  // A JSON string is a YAML double-quoted scalar once the characters YAML deems unprintable are escaped.
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function yamlLines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: YamlValue) => {
      if (item !== null && typeof item === 'object') {
        const [first, ...rest] = yamlLines(item, `${indent}  `);
        return [`${indent}- ${first!.trimStart()}`, ...rest];
      }
      return [`${indent}- ${yamlScalar(item as string | number | boolean | null)}`];
    });
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const isBlock = item !== null && typeof item === 'object' && (Array.isArray(item) ? item.length > 0 : Object.keys(item).length > 0);
      if (!isBlock) {
        const empty = Array.isArray(item) ? '[]' : item !== null && typeof item === 'object' ? '{}' : yamlScalar(item as string | number | boolean | null);
        return [`${indent}${yamlScalar(key)}: ${empty}`];
      }
      // Sequences sit at their key's indentation, as the Hub's own cards write them.
      return [`${indent}${yamlScalar(key)}:`, ...yamlLines(item, Array.isArray(item) ? indent : `${indent}  `)];
    });
  }
  return [`${indent}${yamlScalar(value)}`];
}

/** Metric values as the Hub shows them: enough digits, no float noise. */
const metricValue = (x: number) => Number(x.toFixed(4));

/** The transformers pipeline (and Hub pipeline_tag) of the run's head. */
function pipelineOf(checkpoint: TrainingCheckpoint): { readonly tag: string; readonly name: string } {
  return taskOfModelConfig(checkpoint.modelConfig).head === 'token-classification'
    ? { tag: 'token-classification', name: 'Token Classification' }
    : { tag: 'text-classification', name: 'Text Classification' };
}

function frontMatter(run: ModelCardRun, cardName: string): string {
  const { checkpoint, baseModel, data } = run;
  const pipeline = pipelineOf(checkpoint);
  const last = modelEvaluation(checkpoint);
  const cardMetrics = last ? taskOfMetrics(last.metrics).cardMetrics(last.metrics) : [];
  const metadata: Record<string, YamlValue> = {
    library_name: 'transformers',
    pipeline_tag: pipeline.tag,
    ...(baseModel.fromHub ? { base_model: baseModel.name } : {}),
    ...(data.hubDatasetId ? { datasets: [data.hubDatasetId] } : {}),
    ...(cardMetrics.length > 0 ? { metrics: [...new Set(cardMetrics.map((m) => m.type))] } : {}),
    tags: ['finetune-studio', pipeline.tag],
  };
  if (last) {
    metadata['model-index'] = [
      {
        name: cardName,
        results: [
          {
            task: { type: pipeline.tag, name: pipeline.name },
            dataset: { name: data.hubDatasetId ?? data.fileName, type: data.hubDatasetId ?? fileStem(data.fileName), split: 'validation' },
            metrics: cardMetrics.map((m) => ({ type: m.type, value: metricValue(m.value), name: m.name, ...(m.args ? { args: { ...m.args } } : {}) })),
          },
        ],
      },
    ];
  }
  return ['---', ...yamlLines(metadata, ''), '---'].join('\n');
}

function fileStem(fileName: string): string {
  return fileName.replace(/\.[A-Za-z0-9]+$/, '');
}

// ---------------------------------------------------------------- Markdown sections

function dataSection(run: ModelCardRun): string {
  const { data, checkpoint } = run;
  const splitText =
    data.split.kind === 'file'
      ? `validation rows from a separate file, \`${data.split.fileName}\` (${data.split.rows} rows)`
      : `a stratified ${Math.round(data.split.fraction * 100)}% validation split of that file (seed ${data.split.seed})`;
  return [
    '## Training data',
    `\`${data.fileName}\`: ${data.rows} rows; text column \`${data.columns.text}\`` +
      `${data.columns.textPair ? `, second text column \`${data.columns.textPair}\`` : ''}, label column \`${data.columns.label}\`. ` +
      `${data.trainRows} training and ${data.validationRows} validation rows, ${splitText}.`,
    table(
      ['label', 'id', 'training rows', 'validation rows'],
      checkpoint.labels.map((label, i) => [label, i, data.trainCounts[i] ?? 0, data.validationCounts[i] ?? 0]),
    ),
  ].join('\n\n');
}

function hyperparameterSection(c: TrainingCheckpoint): string {
  const s = c.settings;
  return [
    '## Training hyperparameters',
    table(
      ['setting', 'value'],
      [
        ['epochs', s.epochs],
        ['optimizer updates', `${c.progress.step}${c.progress.finished ? '' : ' (the run was stopped before the schedule ended)'}`],
        ['batch size', s.batchSize],
        ['gradient accumulation', s.gradAccumulation],
        ['learning rate', s.learningRate],
        ['schedule', `linear, warmup ratio ${s.warmupRatio}`],
        ['optimizer', 'AdamW (β1 0.9, β2 0.999, ε 1e-8), no weight decay on biases and LayerNorm weights'],
        ['weight decay', s.weightDecay],
        ['max grad norm', s.maxGradNorm],
        ['max length (tokens)', s.maxLength],
        ['seed', s.seed],
        ['method', methodDescription(c)],
      ],
    ),
  ].join('\n\n');
}

/** What trained: every weight, LoRA adapters (merged into the weights, also in lora-adapter/), or the head; and what was frozen. */
function methodDescription(c: TrainingCheckpoint): string {
  const s = c.settings;
  const method = {
    full: 'full fine-tune',
    lora: `LoRA (r ${s.loraR}, alpha ${s.loraAlpha}, dropout ${s.loraDropout}, on ${checkpointPlan(c).targetModules.join(', ')}), merged into these weights; the adapters alone are in ${ADAPTER_FOLDER}/ for peft`,
    'head-only': 'the classification head only',
  }[s.method];
  const frozen = [s.freezeEmbeddings ? 'the embeddings' : '', s.freezeLayers > 0 ? `encoder layers 0-${s.freezeLayers - 1}` : ''].filter((x) => x !== '');
  return frozen.length > 0 ? `${method}; ${frozen.join(' and ')} frozen` : method;
}

/** Per-label precision, recall and F1, for the tasks that score labels one by one. */
function perLabelScores(metrics: TaskMetrics): readonly ClassMetrics[] | null {
  return metrics.task === 'single-label' ? metrics.perClass : metrics.task === 'multi-label' ? metrics.perLabel : null;
}

function resultsSection(c: TrainingCheckpoint): string {
  const last = modelEvaluation(c);
  const parts = ['## Results'];
  if (!last) {
    parts.push('The run had no validation rows, so there are no metrics.');
  } else {
    const m = last.metrics;
    const scores =
      m.task === 'single-label'
        ? `accuracy **${percent(m.accuracy)}**, macro-F1 **${fixed(m.macroF1, 3)}**`
        : taskOfMetrics(m)
            .cardMetrics(m)
            .map((x) => `${x.name} **${fixed(x.value, 3)}**`)
            .join(', ');
    parts.push(`On the ${m.examples} validation rows after step ${last.step}: ${scores}, loss ${fixed(m.loss)}.`);
    if (m.task === 'multi-label') parts.push(`These scores count a label as predicted at probability ${m.threshold} or more; on these rows ${m.tuned.threshold.toFixed(2)} gives the best micro-F1 (${fixed(m.tuned.microF1, 3)}).`);
    const perLabel = perLabelScores(m);
    if (perLabel) {
      parts.push(table(['label', 'precision', 'recall', 'F1', 'support'], perLabel.map((p) => [p.label, fixed(p.precision, 3), fixed(p.recall, 3), fixed(p.f1, 3), p.support])));
    }
  }
  const first = c.history.evals[0];
  const columns = first ? taskOfMetrics(first.metrics).cardMetrics(first.metrics).map((x) => x.name) : [];
  parts.push(
    '### Per epoch',
    c.history.evals.length > 0
      ? table(
          ['epoch', 'step', 'training loss', 'validation loss', ...columns],
          c.history.evals.map((e) => [
            fixed(e.epoch, 2),
            e.step,
            fixed(e.trainLoss),
            fixed(e.metrics.loss),
            ...taskOfMetrics(e.metrics)
              .cardMetrics(e.metrics)
              .map((x) => (x.type === 'accuracy' ? percent(x.value) : fixed(x.value, 3))),
          ]),
        )
      : 'No evaluations were recorded.',
  );
  if (last?.metrics.task === 'single-label') {
    const { confusion } = last.metrics;
    parts.push(
      '### Confusion matrix',
      `Validation rows after step ${last.step}, by true label (rows) and predicted label (columns):`,
      table(
        ['true \\ predicted', ...c.labels],
        c.labels.map((label, t) => [label, ...c.labels.map((_, p) => confusion[t]?.[p] ?? 0)]),
      ),
    );
  }
  parts.push(
    '### Loss curve',
    `Training loss by optimizer step (${c.history.steps.length > CURVE_POINTS ? `every ${Math.ceil(c.history.steps.length / CURVE_POINTS)}th step` : 'every step'}). ` +
      "Each step's loss, learning rate and gradient norm are in `trainer_state.json`:",
    ['```csv', 'step,loss', ...curvePoints(c.history.steps).map((p) => `${p.step},${p.loss.toFixed(5)}`), '```'].join('\n'),
  );
  return parts.join('\n\n');
}

function onnxSection(q: QuantizationReport): string {
  const change = (q.int8Score - q.fp32Score) * 100;
  return [
    '## ONNX files',
    `For transformers.js and onnxruntime. ${q.metric} on the ${q.rows} validation rows:`,
    table(
      ['file', 'weights', 'size', q.metric.toLowerCase()],
      [
        ['`onnx/model.onnx`', 'float32', megabytes(q.fp32Bytes), percent(q.fp32Score)],
        [
          '`onnx/model_quantized.onnx`',
          'int8 (weight-only)',
          `${megabytes(q.int8Bytes)} (${Math.round((q.int8Bytes / q.fp32Bytes) * 100)}% of float32)`,
          Number.isFinite(change) ? `${percent(q.int8Score)} (${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)} points)` : percent(q.int8Score),
        ],
      ],
    ),
  ].join('\n\n');
}

/** A multi-label model's decision threshold: its value, where config.json keeps it, and whether the validation rows chose it. */
function thresholdParagraph(run: ModelCardRun): string {
  const tuned = validationTunedThreshold(run.checkpoint);
  const origin = tuned === null ? '' : tuned.threshold === run.threshold ? ', the threshold with the best micro-F1 on the validation rows' : `; the validation rows' best micro-F1 is at ${tuned.threshold.toFixed(2)}`;
  return `A label is predicted when its sigmoid probability is at least **${run.threshold}**: config.json stores it as \`${THRESHOLD_CONFIG_KEY}\` (\`model.config.${THRESHOLD_CONFIG_KEY}\` once loaded)${origin}.`;
}

function usageSection(run: ModelCardRun): string {
  const task = taskOfModelConfig(run.checkpoint.modelConfig).id;
  const examples = usageExamples({
    task,
    textPair: run.data.columns.textPair !== undefined && run.data.columns.textPair !== '',
    maxLength: run.checkpoint.settings.maxLength,
    threshold: run.threshold,
  });
  return ['## How to use', ...(task === 'multi-label' ? [thresholdParagraph(run)] : []), examples].join('\n\n');
}

export function modelCard(run: ModelCardRun): string {
  const { checkpoint: c, baseModel, data } = run;
  const config = parseModelConfig(c.modelConfig);
  const task = taskOfModelConfig(c.modelConfig);
  const baseShortName = baseModel.name.split('/').at(-1) ?? baseModel.name;
  const cardName = `${baseShortName}-finetuned-${fileStem(data.fileName)}`.replace(/\s+/g, '-');
  const intro =
    `A ${architectureClassName(config)} (${config.numLayers} layer${config.numLayers === 1 ? '' : 's'}, hidden size ${config.hiddenSize}) ` +
    `${baseModel.pretrained ? `fine-tuned from \`${baseModel.name}\`` : 'trained from scratch'} ${task.labelsAreClasses ? `for ${task.title.toLowerCase()} into ${c.labels.length} labels (${c.labels.map((l) => `\`${l}\``).join(', ')})` : `for ${task.title.toLowerCase()}: one score per text`}. Trained with Fine-Tune Studio ${run.trainedWith}; no training data left that machine.`;
  const sections = [
    `# ${baseModel.name}, fine-tuned on ${data.fileName}`,
    intro,
    dataSection(run),
    hyperparameterSection(c),
    resultsSection(c),
    ...(run.quantization ? [onnxSection(run.quantization)] : []),
    usageSection(run),
  ];
  return `${frontMatter(run, cardName)}\n\n${sections.join('\n\n')}\n`;
}
