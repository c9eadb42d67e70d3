import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../engine/settings.ts';
import { parseCommand, parseConfigOverrides, UsageError } from './args.ts';

describe('finetune-studio arguments', () => {
  it('reads --tag-names as the tag of each id, and refuses names with spaces', () => {
    expect(parseCommand(['eval', '--model', 'm', '--data', 'd.jsonl', '--tag-names', 'O, B-PER,I-PER'])).toMatchObject({ tagNames: ['O', 'B-PER', 'I-PER'] });
    expect(parseCommand(['train', '--model', 'm', '--data', 'd.jsonl', '--out', 'o'])).toMatchObject({ tagNames: null });
    expect(() => parseCommand(['train', '--model', 'm', '--data', 'd.jsonl', '--out', 'o', '--tag-names', 'O,,B-PER'])).toThrow('--tag-names must be tag names separated by commas');
  });

  it('reads every train option with Trainer-tutorial defaults', () => {
    const cmd = parseCommand(['train', '--model', 'm', '--data', 'd.csv', '--out', 'o', '--epochs', '2', '--lr', '1e-4', '--batch-size', '32', '--config', 'hidden_dropout_prob=0', '--config', 'hidden_act=gelu']);
    expect(cmd).toMatchObject({
      command: 'train',
      model: 'm',
      data: 'd.csv',
      out: 'o',
      validation: null,
      validationSplit: 0.1,
      textColumn: 'text',
      textPairColumn: null,
      labelColumn: 'label',
      backend: 'cpu',
      configOverrides: { hidden_dropout_prob: 0, hidden_act: 'gelu' },
      settings: { ...defaultSettings, epochs: 2, learningRate: 1e-4, batchSize: 32 },
      exportProject: null,
    });
    expect(parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--export-project', 'project'])).toMatchObject({ exportProject: 'project' });
  });

  it('reads the best-model and early-stopping flags under Trainer\'s names', () => {
    const base = ['train', '--model', 'm', '--data', 'd', '--out', 'o'];
    expect(parseCommand([...base, '--load-best-model-at-end', '--metric-for-best-model', 'eval_f1', '--early-stopping-patience', '2', '--early-stopping-threshold', '0.01'])).toMatchObject({
      settings: { loadBestModelAtEnd: true, metricForBestModel: 'macroF1', earlyStoppingPatience: 2, earlyStoppingThreshold: 0.01 },
    });
    expect(() => parseCommand([...base, '--early-stopping-patience', '2'])).toThrow(/early stopping needs "keep the best model" \(load_best_model_at_end\)/);
    expect(() => parseCommand([...base, '--metric-for-best-model', 'precision'])).toThrow('--metric-for-best-model must be accuracy, f1 or loss, got "precision"');
  });

  it('reads the fine-tune method: LoRA from any --lora-* flag, frozen parts, and refuses LoRA flags with another method', () => {
    const base = ['train', '--model', 'm', '--data', 'd', '--out', 'o'];
    expect(parseCommand([...base, '--lora-r', '16', '--lora-alpha', '32', '--lora-dropout', '0.1', '--lora-targets', 'query,key,value'])).toMatchObject({
      settings: { method: 'lora', loraR: 16, loraAlpha: 32, loraDropout: 0.1, loraTargets: 'query,key,value' },
    });
    expect(parseCommand([...base, '--method', 'head-only', '--freeze-embeddings', '--freeze-layers', '2'])).toMatchObject({ settings: { method: 'head-only', freezeEmbeddings: true, freezeLayers: 2 } });
    expect(parseCommand(base)).toMatchObject({ settings: { method: 'full', freezeEmbeddings: false, freezeLayers: 0 } });
    expect(() => parseCommand([...base, '--method', 'full', '--lora-r', '4'])).toThrow('--lora-r is a LoRA setting, and --method full trains no adapters');
    expect(() => parseCommand([...base, '--method', 'adapters'])).toThrow('--method must be full, lora or head-only, got "adapters"');
    expect(() => parseCommand([...base, '--lora-r', '0'])).toThrow(/LoRA r must be a whole number ≥ 1, got 0/);
  });

  it('uses a validation file instead of a split, never both', () => {
    expect(parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--validation', 'v.csv'])).toMatchObject({ validation: 'v.csv', validationSplit: 0 });
    expect(() => parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--validation', 'v', '--validation-split', '0.2'])).toThrow(/either --validation or --validation-split/);
  });

  it('explains bad values and unknown options', () => {
    expect(() => parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--epochs', 'two'])).toThrow('--epochs expects a whole number, got "two"');
    expect(() => parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--lr', '2'])).toThrow('learning rate must be in (0, 1), got 2');
    expect(() => parseCommand(['train', '--data', 'd', '--out', 'o'])).toThrow('--model is required');
    expect(() => parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--bogus'])).toThrow(UsageError);
    expect(() => parseCommand(['fit'])).toThrow('unknown command "fit". Commands: train, predict, eval, serve');
    expect(() => parseCommand(['predict', '--model', 'm', '--data', 'd', '--backend', 'gpu'])).toThrow('--backend must be cpu or wasm, got "gpu"');
  });

  it('parses serve: this computer on port 8080 unless told otherwise', () => {
    expect(parseCommand(['serve'])).toEqual({ command: 'serve', port: 8080, host: '127.0.0.1', models: null, dir: null });
    expect(parseCommand(['serve', '--port', '0', '--host', '0.0.0.0', '--models', 'class-models', '--dir', 'build'])).toEqual({
      command: 'serve',
      port: 0,
      host: '0.0.0.0',
      models: 'class-models',
      dir: 'build',
    });
    expect(() => parseCommand(['serve', '--port', '70000'])).toThrow('--port must be between 0 and 65535, got 70000');
    expect(() => parseCommand(['serve', '--port', 'http'])).toThrow('--port expects a whole number, got "http"');
    expect(() => parseCommand(['serve', '--models', ''])).toThrow('--models needs a value');
    expect(() => parseCommand(['serve', '--model', 'm'])).toThrow(UsageError);
  });

  it('parses predict and eval', () => {
    expect(parseCommand(['predict', '--model', 'm', '--data', 'd.jsonl', '--out', 'p.jsonl'])).toMatchObject({ command: 'predict', out: 'p.jsonl', batchSize: 64 });
    expect(parseCommand(['eval', '--model', 'm', '--data', 'd.csv', '--label-column', 'y'])).toMatchObject({ command: 'eval', labelColumn: 'y' });
    expect(parseCommand([])).toEqual({ command: 'help' });
    // Without --threshold the model folder's own decides (config.json's multi_label_threshold, else 0.5).
    expect(parseCommand(['predict', '--model', 'm', '--data', 'd.csv'])).toMatchObject({ threshold: null });
    expect(parseCommand(['eval', '--model', 'm', '--data', 'd.csv', '--threshold', '0.3'])).toMatchObject({ threshold: 0.3 });
    expect(() => parseCommand(['predict', '--model', 'm', '--data', 'd.csv', '--threshold', '1'])).toThrow('--threshold must be between 0 and 1, got 1');
  });

  it('turns key=value overrides into JSON values where they parse', () => {
    expect(parseConfigOverrides(['a=0.1', 'b=true', 'c=null', 'd=gelu', 'e={"x":1}'])).toEqual({ a: 0.1, b: true, c: null, d: 'gelu', e: { x: 1 } });
    expect(() => parseConfigOverrides(['novalue'])).toThrow('--config expects key=value, got "novalue"');
  });

  it('records which settings were given, for a resumed run, and the checkpoint cadence', () => {
    const cmd = parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--resume', 'o/c', '--epochs', '5', '--lr', '1e-5', '--save-steps', '50', '--save-minutes', '2.5']);
    expect(cmd).toMatchObject({ givenSettings: { epochs: 5, learningRate: 1e-5 }, checkpointCadence: { everyUpdates: 50, everyMs: 150_000 } });
    expect(parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o'])).toMatchObject({ givenSettings: {}, checkpointCadence: { everyUpdates: 0, everyMs: 600_000 } });
    expect(() => parseCommand(['train', '--model', 'm', '--data', 'd', '--out', 'o', '--save-minutes=-1'])).toThrow('--save-minutes must be a number ≥ 0, got -1');
  });
});
