/**
 * The README.md model card of an exported model: what it was trained on, how, and how well,
 * in the layout the Hugging Face Hub renders (YAML metadata, then Markdown), with the loss
 * curve's data so the numbers behind the charts travel with the model.
 */
import type { TrainingCheckpoint } from '../src/engine/checkpoint.ts';
import type { ExportRequestInfo } from './protocol.ts';

/** Enough points to redraw the curve's shape; the full per-step log is in training_history.json. */
const CURVE_POINTS = 100;

const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const fixed = (x: number | null, digits = 4) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

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

export function modelCard(c: TrainingCheckpoint, info: ExportRequestInfo): string {
  const { dataset, model } = info;
  const s = c.settings;
  const last = c.history.evals.at(-1) ?? null;
  const yaml = [
    '---',
    'library_name: transformers',
    'pipeline_tag: text-classification',
    ...(model.source === 'hub' ? [`base_model: ${model.name}`] : []),
    'tags:',
    '- finetune-studio',
    '- text-classification',
    '---',
  ];
  const trainRows = dataset.trainCounts.reduce((a, b) => a + b, 0);
  const validationRows = dataset.validationCounts.reduce((a, b) => a + b, 0);
  const splitText =
    dataset.split.kind === 'file'
      ? `validation rows from a separate file, \`${dataset.validationFile?.fileName ?? '?'}\``
      : `a stratified ${Math.round(dataset.split.fraction * 100)}% validation split (seed ${dataset.split.seed})`;
  const sections = [
    `# ${model.name}, fine-tuned on ${dataset.fileName}`,
    `A ${model.className} (${model.layers} layers, hidden size ${model.hiddenSize}) ` +
      `${model.pretrained ? `fine-tuned from \`${model.name}\`` : 'trained from scratch'} to classify text into ${c.labels.length} labels, ` +
      `with Fine-Tune Studio in a web browser${info.backend ? ` (${info.backend.name === 'webgpu' ? 'WebGPU' : 'WASM'}: ${info.backend.description})` : ''}. ` +
      'No training data left the machine it was trained on.',
    '## Data',
    `\`${dataset.fileName}\`: ${dataset.rowCount} rows; text column \`${dataset.mapping.text}\`` +
      `${dataset.mapping.textPair ? `, second text column \`${dataset.mapping.textPair}\`` : ''}, label column \`${dataset.mapping.label}\`. ` +
      `${trainRows} training and ${validationRows} validation rows, ${splitText}.`,
    table(
      ['label', 'id', 'training rows', 'validation rows'],
      c.labels.map((label, i) => [label, i, dataset.trainCounts[i] ?? 0, dataset.validationCounts[i] ?? 0]),
    ),
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
      ],
    ),
    '## Results',
    last
      ? `On the ${last.metrics.examples} validation rows after step ${last.step}: accuracy **${percent(last.metrics.accuracy)}**, ` +
        `macro-F1 **${fixed(last.metrics.macroF1, 3)}**, loss ${fixed(last.metrics.loss)}.\n\n` +
        table(
          ['label', 'precision', 'recall', 'F1', 'support'],
          last.metrics.perClass.map((p) => [p.label, fixed(p.precision, 3), fixed(p.recall, 3), fixed(p.f1, 3), p.support]),
        )
      : 'The run had no validation rows, so there are no metrics.',
    '### Per epoch',
    c.history.evals.length > 0
      ? table(
          ['epoch', 'step', 'training loss', 'validation loss', 'accuracy', 'macro-F1'],
          c.history.evals.map((e) => [fixed(e.epoch, 2), e.step, fixed(e.trainLoss), fixed(e.metrics.loss), percent(e.metrics.accuracy), fixed(e.metrics.macroF1, 3)]),
        )
      : 'No evaluations were recorded.',
    '### Loss curve',
    `Training loss by optimizer step (${c.history.steps.length > CURVE_POINTS ? `every ${Math.ceil(c.history.steps.length / CURVE_POINTS)}th step` : 'every step'}; ` +
      'every step, with learning rate and gradient norm, is in `training_history.json` and `trainer_state.json`):',
    ['```csv', 'step,loss', ...curvePoints(c.history.steps).map((p) => `${p.step},${p.loss.toFixed(5)}`), '```'].join('\n'),
    '## Use it',
    [
      '```python',
      'from transformers import pipeline',
      'classify = pipeline("text-classification", model="path/to/this/folder")',
      'print(classify("Type a sentence here"))',
      '```',
      '',
      '```js',
      "import { pipeline } from '@huggingface/transformers';",
      "const classify = await pipeline('text-classification', 'path/to/this/folder'); // loads onnx/model.onnx",
      "console.log(await classify('Type a sentence here'));",
      '```',
    ].join('\n'),
  ];
  return `${yaml.join('\n')}\n\n${sections.join('\n\n')}\n`;
}
