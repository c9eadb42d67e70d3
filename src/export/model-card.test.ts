import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../engine/checkpoint.ts';
import { startingPoint } from '../engine/pretrained.ts';
import { multiLabelMetrics } from '../engine/multi-label-metrics.ts';
import { defaultSettings } from '../engine/settings.ts';
import { taskById } from '../engine/tasks/index.ts';
import { curvePoints, modelCard, type ModelCardRun } from './model-card.ts';

const PYTHON = '/usr/bin/python3';
const labels = ['neg', 'pos|mixed'];
const configJson = { model_type: 'bert', vocab_size: 12, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
const base = startingPoint({ name: 'tiny', configJson, weights: new Map() }, labels, { ...defaultSettings, epochs: 2 }).checkpoint;

function evalAt(step: number, epoch: number, accuracy: number, macroF1: number, confusion: number[][]): EvalRecord {
  return {
    step,
    epoch,
    trainLoss: 0.6 - epoch * 0.1,
    metrics: {
      task: 'single-label',
      loss: 0.5 - epoch * 0.1,
      accuracy,
      macroF1,
      examples: 4,
      confusion,
      perClass: [
        { label: 'neg', precision: 0.67, recall: 1, f1: 0.8, support: 2 },
        { label: 'pos|mixed', precision: 1, recall: 0.5, f1: 0.67, support: 2 },
      ],
    },
  };
}

const checkpoint = {
  ...base,
  progress: { ...base.progress, step: 4, finished: true },
  history: {
    steps: Array.from({ length: 4 }, (_, i) => ({ step: i + 1, epoch: (i + 1) / 2, loss: 0.7 - i * 0.05, learningRate: 5e-5, gradNorm: 1 })),
    evals: [
      evalAt(2, 1, 0.5, 0.3333333, [
        [2, 0],
        [2, 0],
      ]),
      evalAt(4, 2, 0.75, 0.7, [
        [2, 0],
        [1, 1],
      ]),
    ],
  },
};

const run: ModelCardRun = {
  checkpoint,
  baseModel: { name: 'google/bert_uncased_L-2_H-128_A-2', fromHub: true, pretrained: true },
  data: {
    fileName: 'My Reviews.csv',
    rows: 12,
    columns: { text: 'text', label: 'label' },
    split: { kind: 'fraction', fraction: 0.2, seed: 42 },
    trainCounts: [4, 4],
    validationCounts: [2, 2],
    trainRows: 8,
    validationRows: 4,
  },
  trainedWith: 'in a web browser (WebGPU: SwiftShader)',
  threshold: 0.5,
};

/** The YAML between the leading `---` lines, parsed by PyYAML (what the Hub's tooling reads it with). */
function frontMatter(card: string): unknown {
  const match = /^---\n([^]*?)\n---\n/.exec(card);
  if (!match) throw new Error('the card has no front matter');
  const script = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))';
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: match[1], encoding: 'utf8' }));
}

function yamlUnavailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import yaml'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} cannot import yaml (Debian's python3-yaml)`;
  }
}
const skipYaml = yamlUnavailable();

describe('modelCard', () => {
  it('states the data, the settings, the scores, the confusion matrix and the loss curve', () => {
    const card = modelCard(run);
    expect(card).toMatch(/^---\nlibrary_name: transformers\npipeline_tag: text-classification\nbase_model: google\/bert_uncased_L-2_H-128_A-2\n/);
    expect(card).toContain('# google/bert_uncased_L-2_H-128_A-2, fine-tuned on My Reviews.csv');
    expect(card).toContain('12 rows; text column `text`, label column `label`. 8 training and 4 validation rows, a stratified 20% validation split of that file (seed 42).');
    expect(card).toContain('| pos\\|mixed | 1 | 4 | 2 |');
    expect(card).toContain('accuracy **75.0%**, macro-F1 **0.700**');
    expect(card).toContain('| learning rate | 0.00005 |');
    expect(card).toContain('| 1.00 | 2 | 0.5000 | 0.4000 | 50.0% | 0.333 |\n| 2.00 | 4 | 0.4000 | 0.3000 | 75.0% | 0.700 |');
    expect(card).toContain('| true \\ predicted | neg | pos\\|mixed |\n| --- | --- | --- |\n| neg | 2 | 0 |\n| pos\\|mixed | 1 | 1 |');
    expect(card).toContain('step,loss\n1,0.70000\n2,0.65000');
    expect(card).toContain('Trained with Fine-Tune Studio in a web browser (WebGPU: SwiftShader)');
    expect(card).toContain('AutoModelForSequenceClassification.from_pretrained("path/to/this/folder")');
    expect(card).toContain("pipeline('text-classification', 'this-folder', { dtype: 'fp32' })");
    expect(card).not.toContain('## ONNX files');
  });

  it.skipIf(skipYaml !== null)(`has Hub model-card metadata a YAML parser reads as the spec lays it out${skipYaml ? ` (skipped: ${skipYaml})` : ''}`, () => {
    const metadata = frontMatter(modelCard({ ...run, data: { ...run.data, hubDatasetId: 'stanfordnlp/sst2' } }));
    expect(metadata).toEqual({
      library_name: 'transformers',
      pipeline_tag: 'text-classification',
      base_model: 'google/bert_uncased_L-2_H-128_A-2',
      datasets: ['stanfordnlp/sst2'],
      metrics: ['accuracy', 'f1'],
      tags: ['finetune-studio', 'text-classification'],
      'model-index': [
        {
          name: 'bert_uncased_L-2_H-128_A-2-finetuned-My-Reviews',
          results: [
            {
              task: { type: 'text-classification', name: 'Text Classification' },
              dataset: { name: 'stanfordnlp/sst2', type: 'stanfordnlp/sst2', split: 'validation' },
              metrics: [
                { type: 'accuracy', value: 0.75, name: 'Accuracy' },
                { type: 'f1', value: 0.7, name: 'Macro F1', args: { average: 'macro' } },
              ],
            },
          ],
        },
      ],
    });
  });

  it.skipIf(skipYaml !== null)(`quotes file names a YAML reader would misread${skipYaml ? ` (skipped: ${skipYaml})` : ''}`, () => {
    for (const fileName of ['yes', 'data: v2 #1.csv', 'émotions "2024".tsv', '2024.csv', 'trailing .csv ']) {
      const metadata = frontMatter(modelCard({ ...run, baseModel: { name: 'local-folder', fromHub: false, pretrained: true }, data: { ...run.data, fileName } })) as {
        'model-index': { results: { dataset: { name: unknown } }[] }[];
      };
      expect(metadata['model-index'][0]!.results[0]!.dataset.name).toBe(fileName);
    }
  });

  it('says how the model was trained: a full fine-tune, or LoRA merged into the weights with what was frozen', () => {
    expect(modelCard(run)).toContain('| method | full fine-tune |');
    const lora = { ...checkpoint, settings: { ...checkpoint.settings, method: 'lora' as const, loraR: 4, loraAlpha: 16, freezeEmbeddings: true } };
    expect(modelCard({ ...run, checkpoint: lora })).toContain(
      '| method | LoRA (r 4, alpha 16, dropout 0, on query, value), merged into these weights; the adapters alone are in lora-adapter/ for peft; the embeddings frozen |',
    );
  });

  it('leaves out base_model, metrics and model-index when there is no Hub model and no evaluation', () => {
    const card = modelCard({
      ...run,
      checkpoint: { ...checkpoint, history: { steps: [], evals: [] } },
      baseModel: { name: 'tiny (random init)', fromHub: false, pretrained: false },
    });
    const yaml = card.slice(0, card.indexOf('\n---\n', 4));
    expect(yaml).not.toContain('base_model');
    expect(yaml).not.toContain('metrics');
    expect(yaml).not.toContain('model-index');
    expect(card).toContain('trained from scratch');
    expect(card).toContain('no validation rows');
    expect(card).not.toContain('### Confusion matrix');
  });

  it('names a separate validation file and shows text pairs in the examples', () => {
    const card = modelCard({
      ...run,
      data: { ...run.data, columns: { text: 'premise', textPair: 'hypothesis', label: 'label' }, split: { kind: 'file', fileName: 'dev.jsonl', rows: 4 } },
      trainedWith: 'with the finetune-studio command line on onnxruntime-node (CPU)',
    });
    expect(card).toContain('second text column `hypothesis`');
    expect(card).toContain('validation rows from a separate file, `dev.jsonl` (4 rows)');
    expect(card).toContain('classify({"text": "First text", "text_pair": "Second text"})');
    // transformers.js's pipeline encodes one text: the pair goes through the tokenizer.
    expect(card).toContain("await model(tokenizer('First text', { text_pair: 'Second text', truncation: true, max_length: 128 }))");
    expect(card).not.toContain("pipeline('text-classification'");
  });

  it('states a multi-label model\'s decision threshold, where config.json keeps it and whether the validation rows chose it', () => {
    const multi = startingPoint({ name: 'tiny', configJson, weights: new Map() }, ['a', 'b'], defaultSettings, {}, taskById('multi-label')).checkpoint;
    const metrics = { task: 'multi-label' as const, ...multiLabelMetrics(Float32Array.of(2, -1, 0.1, -3), [1, 0, 0, 1], ['a', 'b']) };
    expect(metrics.tuned.threshold).toBe(0.55);
    const evaluated = { ...multi, history: { steps: checkpoint.history.steps, evals: [{ step: 4, epoch: 2, trainLoss: 0.4, metrics }] } };
    const tuned = modelCard({ ...run, checkpoint: evaluated, threshold: 0.55 });
    expect(tuned).toContain(
      'A label is predicted when its sigmoid probability is at least **0.55**: config.json stores it as `multi_label_threshold` (`model.config.multi_label_threshold` once loaded), the threshold with the best micro-F1 on the validation rows.',
    );
    expect(tuned).toContain('These scores count a label as predicted at probability 0.5 or more; on these rows 0.55 gives the best micro-F1 (0.667).');
    expect(modelCard({ ...run, checkpoint: evaluated, threshold: 0.3 })).toContain("at least **0.3**: config.json stores it as `multi_label_threshold` (`model.config.multi_label_threshold` once loaded); the validation rows' best micro-F1 is at 0.55.");
    expect(modelCard({ ...run, checkpoint: multi, threshold: 0.5 })).toContain('at least **0.5**: config.json stores it as `multi_label_threshold` (`model.config.multi_label_threshold` once loaded).');
    expect(modelCard(run)).not.toContain('multi_label_threshold');
  });

  it('reports the int8 ONNX model beside the float32 one', () => {
    const card = modelCard({ ...run, quantization: { fp32Bytes: 17_500_000, int8Bytes: 4_600_000, metric: 'Accuracy', fp32Score: 0.912, int8Score: 0.904, rows: 500 } });
    expect(card).toContain('## ONNX files');
    expect(card).toContain('Accuracy on the 500 validation rows:');
    expect(card).toContain('| `onnx/model.onnx` | float32 | 17.5 MB | 91.2% |');
    expect(card).toContain('| `onnx/model_quantized.onnx` | int8 (weight-only) | 4.6 MB (26% of float32) | 90.4% (−0.8 points) |');
    expect(card).toContain("dtype 'q8' loads onnx/model_quantized.onnx");
  });

  it('reports the best evaluation when the run kept the best model (load_best_model_at_end)', () => {
    const third = evalAt(6, 3, 0.6, 0.5, [
      [2, 0],
      [2, 0],
    ]);
    const kept = { ...checkpoint, settings: { ...checkpoint.settings, loadBestModelAtEnd: true }, history: { ...checkpoint.history, evals: [...checkpoint.history.evals, third] } };
    const card = modelCard({ ...run, checkpoint: kept });
    expect(card).toContain('validation rows after step 4: accuracy **75.0%**');
    const last = modelCard({ ...run, checkpoint: { ...kept, settings: { ...kept.settings, loadBestModelAtEnd: false } } });
    expect(last).toContain('validation rows after step 6: accuracy **60.0%**');
  });
});

describe('curvePoints', () => {
  it('keeps every k-th point and the last', () => {
    expect(curvePoints([1, 2, 3, 4, 5], 2)).toEqual([1, 4, 5]);
    expect(curvePoints([1, 2], 5)).toEqual([1, 2]);
  });
});
