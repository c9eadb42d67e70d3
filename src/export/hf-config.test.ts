// config.json against golden files of what transformers 4.57.1's save_pretrained writes (see golden/README.md).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifierConfigJson } from '../engine/pretrained.ts';
import { configJsonText, savePretrainedConfig, TRANSFORMERS_VERSION } from './hf-config.ts';
import { pythonFloatRepr, pythonJsonDumps } from './python-json.ts';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const PYTHON = '/usr/bin/python3';

interface GoldenInput {
  base_model: string;
  base_config: Record<string, unknown>;
  labels: string[];
  overrides: Record<string, unknown>;
}

const cases = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();

function golden(name: string): { input: GoldenInput; expectedText: string } {
  return {
    input: JSON.parse(readFileSync(path.join(goldenDir, `${name}.input.json`), 'utf8')) as GoldenInput,
    expectedText: readFileSync(path.join(goldenDir, `${name}.config.json`), 'utf8'),
  };
}

/** The checkpoint's config as the studio builds it for the run (startingPoint does the same). */
function exported(input: GoldenInput, labels = input.labels): Record<string, unknown> {
  return savePretrainedConfig(classifierConfigJson(input.base_config, labels, input.overrides));
}

function pythonUnavailable(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import json'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} is not available`;
  }
}

describe('config.json golden files', () => {
  it('covers every supported architecture and MiniLM', () => {
    expect(cases).toEqual(['bert', 'distilbert', 'electra', 'minilm', 'roberta', 'xlm-roberta']);
  });

  for (const name of cases) {
    it(`${name}: the same keys and the same text as save_pretrained`, () => {
      const { input, expectedText } = golden(name);
      const config = exported(input);
      const expected = JSON.parse(expectedText) as Record<string, unknown>;
      expect(Object.keys(config).sort()).toEqual(Object.keys(expected).sort());
      expect(configJsonText(config)).toBe(expectedText);
      // The entries the fine-tune itself decides.
      expect(config.problem_type).toBe('single_label_classification');
      expect(config.dtype).toBe('float32');
      expect(config.transformers_version).toBe(TRANSFORMERS_VERSION);
      expect(config.id2label).toEqual(Object.fromEntries(input.labels.map((l, i) => [String(i), l])));
      expect(config.label2id).toEqual(Object.fromEntries(input.labels.map((l, i) => [l, i])));
      expect(config).not.toHaveProperty('torch_dtype');
      expect(config).not.toHaveProperty('_name_or_path');
    });
  }

  const skip = pythonUnavailable();
  it.skipIf(skip !== null)(`Python's json.dumps writes each golden file as it stands${skip ? ` (skipped: ${skip})` : ''}`, () => {
    // id2label is an int-keyed dict in PretrainedConfig, which decides how sort_keys orders it.
    const script = [
      'import json, sys',
      'for path in sys.argv[1:]:',
      '    text = open(path, encoding="utf-8").read()',
      '    d = json.loads(text)',
      '    d["id2label"] = {int(k): v for k, v in d["id2label"].items()}',
      '    assert json.dumps(d, indent=2, sort_keys=True) + "\\n" == text, path',
      'print(len(sys.argv) - 1)',
    ].join('\n');
    const files = cases.map((c) => path.join(goldenDir, `${c}.config.json`));
    expect(execFileSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' }).trim()).toBe(String(files.length));
  });
});

describe('savePretrainedConfig', () => {
  const base = golden('bert').input;

  it('drops PretrainedConfig attributes left at their defaults and keeps the ones set', () => {
    const config = exported({
      ...base,
      base_config: {
        ...base.base_config,
        is_decoder: false,
        output_attentions: false,
        tie_word_embeddings: true,
        tokenizer_class: 'BertJapaneseTokenizer',
        torch_dtype: 'float16',
        _commit_hash: 'abc',
        _num_labels: 3,
      },
    });
    expect(config).not.toHaveProperty('is_decoder');
    expect(config).not.toHaveProperty('output_attentions');
    expect(config).not.toHaveProperty('tie_word_embeddings');
    expect(config).not.toHaveProperty('_commit_hash');
    expect(config.tokenizer_class).toBe('BertJapaneseTokenizer');
    // An unknown key of the base config is an attribute like any other and travels on.
    expect(config._num_labels).toBe(3);
    // The saved weights are float32 whatever the base checkpoint was.
    expect(config.dtype).toBe('float32');
    expect(config).not.toHaveProperty('torch_dtype');
  });

  it('writes no id2label/label2id for the default LABEL_0/LABEL_1 pair, as to_diff_dict does', () => {
    expect(exported(base, ['LABEL_0', 'LABEL_1'])).not.toHaveProperty('id2label');
    expect(exported(base, ['LABEL_0', 'LABEL_1'])).not.toHaveProperty('label2id');
    expect(exported(base, ['LABEL_0', 'LABEL_1', 'LABEL_2']).id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  });

  it('keeps a class-set token id that a base config cleared', () => {
    const roberta = golden('roberta').input;
    expect(exported({ ...roberta, base_config: { ...roberta.base_config, bos_token_id: null } }).bos_token_id).toBeNull();
  });

  it('writes DistilBERT overrides under its own names', () => {
    const distilbert = golden('distilbert').input;
    const config = exported({ ...distilbert, base_config: { ...distilbert.base_config, hidden_size: 384 } });
    expect(config.dim).toBe(384);
    expect(config).not.toHaveProperty('hidden_size');
  });
});

describe('pythonJsonDumps', () => {
  it('prints floats as repr does', () => {
    expect([1e-5, 1e-12, 0.1, 2.5e-7, 1e-4, 123.25, -3e-5, 0, 42, 1e16, NaN, -Infinity].map(pythonFloatRepr)).toEqual([
      '1e-05',
      '1e-12',
      '0.1',
      '2.5e-07',
      '0.0001',
      '123.25',
      '-3e-05',
      '0',
      '42',
      '1e+16',
      'NaN',
      '-Infinity',
    ]);
  });

  it('escapes non-ASCII only when asked and sorts keys by code point', () => {
    const value = { 'é': 'ü\u007f', b: [], a: {}, '\u{1F600}': 1, '\uFB01': 2 };
    expect(pythonJsonDumps(value, { ensureAscii: true })).toBe(
      '{\n  "a": {},\n  "b": [],\n  "\\u00e9": "\\u00fc\\u007f",\n  "\\ufb01": 2,\n  "\\ud83d\\ude00": 1\n}',
    );
    expect(pythonJsonDumps({ 'é': 'ü' }, { ensureAscii: false })).toBe('{\n  "é": "ü"\n}');
  });

  const skip = pythonUnavailable();
  it.skipIf(skip !== null)(`matches Python's json.dumps on awkward values${skip ? ` (skipped: ${skip})` : ''}`, () => {
    const value = { eps: [1e-5, 3.14e-7, 1.5e-4, 0.5], text: 'tab\there "q" \\ é 😀 \u0001', '10': 1, '9': 2, nested: { z: null, y: true } };
    const source = JSON.stringify(value);
    for (const ensureAscii of [true, false]) {
      const python = execFileSync(
        PYTHON,
        ['-c', `import json, sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), indent=2, sort_keys=True, ensure_ascii=${ensureAscii ? 'True' : 'False'}))`, source],
        { encoding: 'utf8' },
      );
      expect(pythonJsonDumps(value, { ensureAscii })).toBe(python);
    }
  });
});
