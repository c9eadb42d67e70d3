/**
 * Forward parity with PyTorch: the parity script builds each architecture as transformers does,
 * writes a random-init Hugging Face folder and the logits of a padded batch; the engine's graph
 * must reproduce those logits from the same safetensors.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../weights/safetensors.ts';
import { type ModelType, parseModelConfig } from './config.ts';
import { classifierParamSpecs } from './params.ts';
import { padRows, runClassifier, tinyConfigs, type TokenRow } from './test-support.ts';

const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('../parity/torch_reference.py', import.meta.url));
const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const run = promisify(execFile);
const numLabels = 3;

const cases: [string, ModelType, Record<string, unknown>][] = [
  ...(Object.keys(tinyConfigs) as ModelType[]).map((t): [string, ModelType, Record<string, unknown>] => [t, t, tinyConfigs[t]]),
  ['bert with relu', 'bert', { ...tinyConfigs.bert, hidden_act: 'relu' }],
];

/** Right-padded by the script as DataCollatorWithPadding does; the first row is the longest. */
const typedRows: TokenRow[] = [
  { ids: [2, 17, 33, 48, 5, 61, 3, 90], tokenTypes: [0, 0, 0, 0, 1, 1, 1, 1] },
  { ids: [2, 9, 3] },
  { ids: [2, 70, 71, 72, 3], tokenTypes: [0, 0, 1, 1, 1] },
  { ids: [2, 44, 3, 45, 46, 3], tokenTypes: [0, 0, 0, 1, 1, 1] },
];

const title = hasTorch ? 'forward parity with PyTorch' : `forward parity with PyTorch (skipped: ${python} cannot import torch)`;

function rowsFor(json: Record<string, unknown>): TokenRow[] {
  // RoBERTa's single token type only admits type 0.
  return parseModelConfig(json).typeVocabSize > 1 ? typedRows : typedRows.map((r) => ({ ids: r.ids }));
}

/**
 * Runs the script's `init` then `step` (eval-mode forward, logits dumped before the update) for
 * every case in one Python process: importing torch costs seconds, the commands milliseconds.
 */
async function runReference(workDir: string): Promise<void> {
  const commands = cases.flatMap(([label, modelType, json]) => {
    const dir = join(workDir, label.replaceAll(' ', '-'));
    const { model_type: _, ...fields } = json;
    const rows = rowsFor(json);
    const batch = {
      input_ids: rows.map((r) => r.ids),
      attention_mask: rows.map((r) => r.ids.map(() => 1)),
      ...(rows[0]!.tokenTypes ? { token_type_ids: rows.map((r) => r.tokenTypes ?? r.ids.map(() => 0)) } : {}),
      labels: rows.map((_, i) => i % numLabels),
    };
    const batchFile = join(workDir, `${label.replaceAll(' ', '-')}.batch.json`);
    writeFileSync(batchFile, JSON.stringify(batch));
    // A wider init than 0.02 so that every layer moves the logits measurably.
    const configJson = JSON.stringify({ ...fields, initializer_range: 0.2 });
    return [
      ['init', '--model-type', modelType, '--config-json', configJson, '--num-labels', String(numLabels), '--seed', '3', '--out', dir],
      ['step', '--model', dir, '--batch', batchFile, '--out', join(dir, 'step.safetensors'), '--threads', '1'],
    ];
  });
  const driver = 'import json, sys; sys.path.insert(0, sys.argv[1]); import torch_reference as ref; [ref.main(argv) for argv in json.loads(sys.argv[2])]';
  await run(python, ['-c', driver, dirname(script), JSON.stringify(commands)]);
}

describe.skipIf(!hasTorch)(title, () => {
  const workDir = mkdtempSync(join(tmpdir(), 'model-parity-'));
  beforeAll(() => runReference(workDir));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it.each(cases)('%s: logits within 1e-4 of the PyTorch reference', async (label, _, json) => {
    const dir = join(workDir, label.replaceAll(' ', '-'));
    const config = parseModelConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>);
    const checkpoint = readSafetensors(readFileSync(join(dir, 'model.safetensors'))).tensors;
    const specs = classifierParamSpecs(config, numLabels);
    expect(new Set(checkpoint.keys())).toEqual(new Set(specs.map((s) => s.name)));
    for (const spec of specs) expect(checkpoint.get(spec.name)!.shape, spec.name).toEqual(spec.shape);

    const rows = rowsFor(json);
    const weights = new Map(specs.map((s) => [s.name, checkpoint.get(s.name)!.data]));
    const seq = Math.max(...rows.map((r) => r.ids.length));
    const logits = await runClassifier(config, numLabels, weights, padRows(config, rows, seq));
    const reference = readSafetensors(readFileSync(join(dir, 'step.safetensors'))).tensors.get('logits')!;
    expect(reference.shape).toEqual([rows.length, numLabels]);
    expect(Math.max(...reference.data) - Math.min(...reference.data)).toBeGreaterThan(0.1);
    const maxError = Math.max(...logits.map((v, i) => Math.abs(v - reference.data[i]!)));
    expect(maxError).toBeLessThanOrEqual(1e-4);
  });
});
