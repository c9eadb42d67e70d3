/**
 * The model card's "How to use" code, per task, in Python (transformers) and JavaScript
 * (transformers.js on the folder's ONNX files). Each example does what the task needs of the
 * outputs, which the libraries' pipelines do not always do:
 * - multi-label: every label's sigmoid probability (`top_k=None`), and the labels at or above the
 *   folder's `multi_label_threshold`;
 * - regression: the one output is the score; transformers.js's text-classification pipeline would
 *   softmax it to 1, so JavaScript reads the model's logits;
 * - text pairs: transformers.js's pipeline encodes one text, so JavaScript calls the tokenizer with
 *   `text_pair` and runs the model;
 * - token classification: the pipeline groups word pieces into entities; Python's "first" reads
 *   each word's first piece, the one the model was trained to tag.
 */
import type { TaskId } from '../engine/tasks/index.ts';
import { THRESHOLD_CONFIG_KEY } from './decision-threshold.ts';

export interface UsageFacts {
  readonly task: TaskId;
  /** Trained on text pairs: the examples give two texts. */
  readonly textPair: boolean;
  /** The token length the model was trained with. */
  readonly maxLength: number;
  /** Multi-label: the threshold config.json stores, shown beside the line that reads it. */
  readonly threshold: number;
}

/** The placeholders a reader replaces: the folder for Python, and for transformers.js the folder that holds it and its name. */
export const PYTHON_FOLDER = 'path/to/this/folder';
export const JS_MODELS_PATH = 'path/to';
export const JS_FOLDER = 'this-folder';

/** The texts the examples classify, for a reader to replace with theirs. */
export const EXAMPLE_TEXTS = { sentence: 'Type a sentence here', first: 'First text', second: 'Second text' } as const;
const { sentence: SENTENCE, first: FIRST, second: SECOND } = EXAMPLE_TEXTS;

/** One example: the sentence before it and its code. */
export interface UsageBlock {
  readonly caption: string;
  readonly language: 'python' | 'js';
  readonly code: string;
}

const PYTHON_CAPTION = 'In Python with `transformers`:';
const JS_CAPTION = 'In JavaScript with transformers.js, from the local files:';
const py = (lines: string[]): UsageBlock => ({ caption: PYTHON_CAPTION, language: 'python', code: lines.join('\n') });
const js = (lines: string[]): UsageBlock => ({ caption: JS_CAPTION, language: 'js', code: lines.join('\n') });

type SequenceTask = Exclude<TaskId, 'token-classification'>;

function jsPreamble(names: readonly string[]): string[] {
  return [`import { ${['env', ...names].sort().join(', ')} } from '@huggingface/transformers';`, '', `env.localModelPath = '${JS_MODELS_PATH}'; // the folder that holds this one`, 'env.allowRemoteModels = false;'];
}

/** `const x = await load(…, 'this-folder'` closed with the float32 model, and where the int8 one is. */
function jsLoad(opening: string): string {
  return `${opening}, { dtype: 'fp32' }); // onnx/model.onnx; dtype 'q8' loads onnx/model_quantized.onnx`;
}

function tokenClassification(): UsageBlock[] {
  return [
    py([
      'from transformers import pipeline',
      '',
      `tag = pipeline("token-classification", model="${PYTHON_FOLDER}", aggregation_strategy="first")`,
      `print(tag("${SENTENCE}"))`,
    ]),
    js([
      ...jsPreamble(['pipeline']),
      jsLoad(`const tag = await pipeline('token-classification', '${JS_FOLDER}'`),
      "// 'simple' groups word pieces by their own tags; this model was trained to tag each word's first piece",
      `console.log(await tag('${SENTENCE}', { aggregation_strategy: 'simple' }));`,
    ]),
  ];
}

/** Python: the pipeline, then the model itself with the task's reading of its logits. */
function pythonSequence(facts: UsageFacts, task: SequenceTask): UsageBlock {
  const { textPair } = facts;
  const pipelineInput = textPair ? `{"text": "${FIRST}", "text_pair": "${SECOND}"}` : `"${SENTENCE}"`;
  const tokenizerInput = textPair ? `"${FIRST}", "${SECOND}"` : `"${SENTENCE}"`;
  const pipelineArguments = { 'single-label': '', 'multi-label': '', regression: ', function_to_apply="none"' }[task];
  // top_k in the call: given to pipeline() instead, the pipeline wraps one text's answer in another list.
  const callArguments = task === 'multi-label' ? ', top_k=None' : '';
  const pipelineNote = {
    'single-label': '',
    'multi-label': "  # every label's sigmoid probability",
    regression: '  # the score, labelled LABEL_0',
  }[task];
  const reading = {
    'single-label': ['print(model.config.id2label[model(**inputs).logits.argmax(-1).item()])'],
    'multi-label': [
      'probabilities = torch.sigmoid(model(**inputs).logits)[0].tolist()',
      `threshold = model.config.${THRESHOLD_CONFIG_KEY}  # ${facts.threshold}`,
      'print([model.config.id2label[i] for i, p in enumerate(probabilities) if p >= threshold])',
    ],
    regression: ['print(model(**inputs).logits[0, 0].item())  # the score'],
  }[task];
  return py([
    ...(task === 'multi-label' ? ['import torch'] : []),
    'from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline',
    '',
    `classify = pipeline("text-classification", model="${PYTHON_FOLDER}"${pipelineArguments})`,
    `print(classify(${pipelineInput}${callArguments}))${pipelineNote}`,
    '',
    '# or the model itself',
    `tokenizer = AutoTokenizer.from_pretrained("${PYTHON_FOLDER}")`,
    `model = AutoModelForSequenceClassification.from_pretrained("${PYTHON_FOLDER}")`,
    `inputs = tokenizer(${tokenizerInput}, truncation=True, max_length=${facts.maxLength}, return_tensors="pt")`,
    ...reading,
  ]);
}

/**
 * JavaScript: the text-classification pipeline where it gives the task's answer (one text,
 * single- or multi-label); the tokenizer and model otherwise.
 */
function javascriptSequence(facts: UsageFacts, task: SequenceTask): UsageBlock {
  const { textPair } = facts;
  if (!textPair && task === 'single-label') {
    return js([...jsPreamble(['pipeline']), jsLoad(`const classify = await pipeline('text-classification', '${JS_FOLDER}'`), `console.log(await classify('${SENTENCE}'));`]);
  }
  if (!textPair && task === 'multi-label') {
    return js([
      ...jsPreamble(['pipeline']),
      jsLoad(`const classify = await pipeline('text-classification', '${JS_FOLDER}'`),
      `const probabilities = await classify('${SENTENCE}', { top_k: null }); // every label's sigmoid probability`,
      `const threshold = classify.model.config.${THRESHOLD_CONFIG_KEY}; // ${facts.threshold}`,
      'console.log(probabilities.filter((p) => p.score >= threshold).map((p) => p.label), probabilities);',
    ]);
  }
  const input = textPair ? `'${FIRST}', { text_pair: '${SECOND}', truncation: true, max_length: ${facts.maxLength} }` : `'${SENTENCE}', { truncation: true, max_length: ${facts.maxLength} }`;
  const reading = {
    'single-label': [
      'const probabilities = softmax(logits.data);',
      'const best = probabilities.indexOf(Math.max(...probabilities));',
      'console.log(model.config.id2label[best], probabilities[best]);',
    ],
    'multi-label': [
      'const probabilities = [...logits.sigmoid().data];',
      `const threshold = model.config.${THRESHOLD_CONFIG_KEY}; // ${facts.threshold}`,
      'console.log(probabilities.flatMap((p, i) => (p >= threshold ? [model.config.id2label[i]] : [])), probabilities);',
    ],
    regression: ['console.log(logits.data[0]); // the score'],
  }[task];
  return js([
    ...jsPreamble(['AutoModelForSequenceClassification', 'AutoTokenizer', ...(task === 'single-label' ? ['softmax'] : [])]),
    `const tokenizer = await AutoTokenizer.from_pretrained('${JS_FOLDER}');`,
    jsLoad(`const model = await AutoModelForSequenceClassification.from_pretrained('${JS_FOLDER}'`),
    `const { logits } = await model(tokenizer(${input}));`,
    ...reading,
  ]);
}

/** The examples, Python's first: what the model card shows, and the Export screen. */
export function usageBlocks(facts: UsageFacts): UsageBlock[] {
  const { task } = facts;
  return task === 'token-classification' ? tokenClassification() : [pythonSequence(facts, task), javascriptSequence(facts, task)];
}

/** The examples as Markdown: each caption, then its fenced code. */
export function usageExamples(facts: UsageFacts): string {
  return usageBlocks(facts)
    .map((b) => `${b.caption}\n\n\`\`\`${b.language}\n${b.code}\n\`\`\``)
    .join('\n\n');
}
