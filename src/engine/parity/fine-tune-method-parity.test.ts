// Frozen parameters and LoRA adapters against the PyTorch reference (torch_reference.py step with
// requires_grad=False on the frozen ones, and peft's LoRA written out by hand): which parameters
// train, frozen ones unchanged bit for bit (after one update and after several), trained ones
// within 1e-5 after one update, and a LoRA model's step-0 logits equal to its base model's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainingCheckpoint } from '../checkpoint.ts';
import { parseModelConfig } from '../models/config.ts';
import { defaultLoraTargets, parameterPlan } from '../models/fine-tune-method.ts';
import { Predictor } from '../predictor.ts';
import { defaultSettings, fineTuneMethodOf, type TrainingSettings } from '../settings.ts';
import { singleLabel } from '../tasks/single-label.ts';
import { Trainer } from '../trainer.ts';
import { writeSafetensors } from '../weights/safetensors.ts';
import { engineFolder, hasTokenTypes, namedTensors, rows, torchStep, torchUnavailable, writeBatch } from './step-fixture.ts';

const LR = 1e-3;
const LABELS = ['a', 'b', 'c'];
/** Below this |gradient| Adam's first update g/(|g|+ε) is decided by float32 noise (as in train-step-parity). */
const ILL_CONDITIONED_GRAD = 1e-7;
const backend = { name: 'cpu' as const, ort };
const skipReason = torchUnavailable();
const scratch = mkdtempSync(join(tmpdir(), 'method-parity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly architecture: string;
  readonly settings: Partial<TrainingSettings>;
  readonly torchFlags: readonly string[];
}

const lora = (architecture: string): Case => ({
  name: `${architecture}: LoRA r 4, alpha 8 on ${defaultLoraTargets(architecture).join(' and ')}`,
  architecture,
  settings: { method: 'lora', loraR: 4, loraAlpha: 8 },
  torchFlags: ['--lora-r', '4', '--lora-alpha', '8', '--lora-targets', defaultLoraTargets(architecture).join(',')],
});

const cases: Case[] = [
  { name: 'bert: embeddings and layer 0 frozen', architecture: 'bert', settings: { freezeEmbeddings: true, freezeLayers: 1 }, torchFlags: ['--freeze-embeddings', '--freeze-layers', '1'] },
  { name: 'roberta: head only', architecture: 'roberta', settings: { method: 'head-only' }, torchFlags: ['--head-only'] },
  lora('bert'),
  lora('roberta'),
  lora('distilbert'),
];

async function train(checkpoint: TrainingCheckpoint, data: Parameters<typeof Trainer.create>[0]['train']): Promise<TrainingCheckpoint> {
  const trainer = await Trainer.create({ backend, checkpoint, train: data, validation: [] });
  await trainer.train();
  const after = await trainer.snapshot();
  await trainer.release();
  return after;
}

describe.skipIf(skipReason !== null)(`frozen parameters and LoRA match PyTorch${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  for (const c of cases) {
    it(c.name, async () => {
      const settings: TrainingSettings = { ...defaultSettings, epochs: 1, batchSize: 6, learningRate: LR, weightDecay: 0.01, maxGradNorm: 1.0, maxLength: 32, seed: 7, ...c.settings };
      const folder = join(scratch, c.name.replace(/[^a-z0-9]+/gi, '-'));
      const start = engineFolder(folder, c.architecture, LABELS, settings);
      const config = parseModelConfig(start.checkpoint.modelConfig);
      const plan = parameterPlan(config, LABELS.length, fineTuneMethodOf(settings));
      const withTypes = hasTokenTypes(c.architecture);
      const data = rows(config.padTokenId, withTypes, (r) => Int32Array.of(r % LABELS.length));
      writeBatch(join(folder, 'batch.json'), data, withTypes);
      const adapterWeights = new Map([...start.checkpoint.params].filter(([n]) => n.includes('.lora_')));
      const flags = [...c.torchFlags, '--lr', String(LR), '--weight-decay', '0.01', '--max-grad-norm', '1.0'];
      if (adapterWeights.size > 0) {
        // The reference starts from the engine's draw of lora_A (torch's RNG differs).
        const path = join(folder, 'adapters.safetensors');
        writeFileSync(path, writeSafetensors(namedTensors(adapterWeights, start.checkpoint.paramShapes), { format: 'pt' }));
        flags.push('--lora-weights', path);
      }
      const reference = torchStep(folder, join(folder, 'batch.json'), join(folder, 'torch-step.safetensors'), flags);
      const ref = (key: string) => reference.tensor(key);

      // Step 0: logits with the adapters equal the base model's (lora_B is zero), and the reference's.
      const predictor = await Predictor.create(backend, config, LABELS.length, singleLabel, plan.adapters);
      const logits = await predictor.logits(data, predictor.upload(start.checkpoint.params, start.checkpoint.paramShapes), { maxLength: 32, batchSize: 6 });
      await predictor.release();
      const base = await Predictor.create(backend, config, LABELS.length, singleLabel);
      const baseParams = new Map([...start.checkpoint.params].filter(([n]) => !n.includes('.lora_')));
      const baseLogits = await base.logits(data, base.upload(baseParams, start.checkpoint.paramShapes), { maxLength: 32, batchSize: 6 });
      await base.release();
      expect([...logits]).toEqual([...baseLogits]);
      const refLogits = ref('logits');
      expect(Math.max(...Array.from(logits, (x, i) => Math.abs(x - refLogits[i]!)))).toBeLessThanOrEqual(1e-4);

      // One update: the same parameters train (the reference dumps a gradient for each of them), and have moments.
      const after = await train(start.checkpoint, data);
      const trained = [...plan.trainable].sort();
      expect(trained).toEqual([...reference.trained].sort());
      expect([...after.moments!.m.keys()].sort()).toEqual(trained);
      let worst = 0;
      for (const [name, updated] of after.params) {
        const before = start.checkpoint.params.get(name)!;
        if (!plan.trainable.has(name)) {
          expect(Buffer.from(updated.buffer, updated.byteOffset, updated.byteLength).equals(Buffer.from(before.buffer, before.byteOffset, before.byteLength)), `${name} is frozen`).toBe(true);
          continue;
        }
        const refParam = ref(`param.${name}`);
        const grad = ref(`grad.${name}`);
        for (let i = 0; i < updated.length; i++) {
          const d = Math.abs(updated[i]! - refParam[i]!);
          if (grad[i] !== 0 && Math.abs(grad[i]!) < ILL_CONDITIONED_GRAD) expect(d, `${name}[${i}] (ill-conditioned)`).toBeLessThanOrEqual(LR);
          else worst = Math.max(worst, d);
        }
      }
      expect(worst).toBeLessThanOrEqual(1e-5);

      // Three updates (batches of 2): frozen parameters still bit for bit as loaded.
      const longer = await train({ ...start.checkpoint, settings: { ...settings, batchSize: 2 } }, data);
      expect(longer.progress.step).toBe(3);
      for (const [name, values] of longer.params) {
        if (!plan.trainable.has(name)) expect([...values], `${name} after 3 updates`).toEqual([...start.checkpoint.params.get(name)!]);
      }
      console.log(JSON.stringify({ case: c.name, trained_tensors: trained.length, adapters: plan.adapters.length, worst_param_abs_error: worst }));
    });
  }
});
