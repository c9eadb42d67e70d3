/**
 * For the CLI's tests: the CLI run as a user runs it (a separate process in a work folder, its
 * exit code and messages), a model card's JavaScript example run as its reader runs it, a tiny
 * base BERT with a WordPiece vocab.txt, and review CSVs it can learn from. Node only.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startingPoint } from '../engine/pretrained.ts';
import { Rng } from '../engine/random.ts';
import { defaultSettings } from '../engine/settings.ts';
import { writeSafetensors } from '../engine/weights/safetensors.ts';
import { EXAMPLE_TEXTS, JS_FOLDER, JS_MODELS_PATH } from '../export/usage-examples.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin/finetune-studio.mjs');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `finetune-studio …` in `cwd` to the end. */
export function runCli(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Starts `finetune-studio …` in `cwd` and hands back the process, with its standard error so far. */
export function startCli(cwd: string, args: readonly string[]): { child: ChildProcess; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, exited };
}

/**
 * Runs a model card's transformers.js example as its reader would, in a Node process of its own:
 * `folder` in `work` and the texts put in place of the card's, the package found as a dependency
 * installed in `work` (a link to this checkout's).
 * What it logs comes back, one array of arguments per console.log call.
 */
export async function runCardExample(work: string, markdown: string, folder: string, inputs: { sentence?: string; first?: string; second?: string }): Promise<unknown[][]> {
  const code = /```js\n([^]*?)```/.exec(markdown)?.[1];
  if (!code) throw new Error('the card has no JavaScript example');
  const installed = path.join(work, 'node_modules/@huggingface/transformers');
  if (!existsSync(installed)) {
    mkdirSync(path.dirname(installed), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules/@huggingface/transformers'), installed);
  }
  let script = code.replaceAll(`'${JS_MODELS_PATH}'`, JSON.stringify(work)).replaceAll(`'${JS_FOLDER}'`, JSON.stringify(folder));
  for (const key of ['sentence', 'first', 'second'] as const) if (inputs[key]) script = script.replaceAll(`'${EXAMPLE_TEXTS[key]}'`, JSON.stringify(inputs[key]));
  const file = path.join(work, `card-${folder}-${Object.keys(inputs).join('-')}.mjs`);
  writeFileSync(file, `const printed = [];\nconsole.log = (...args) => printed.push(args);\n${script}\nprocess.stdout.write(JSON.stringify(printed));\n`);
  const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: work });
  return JSON.parse(stdout) as unknown[][];
}

export const POSITIVE = ['great', 'lovely', 'superb', 'moving', 'funny', 'brilliant'];
export const NEGATIVE = ['awful', 'boring', 'dull', 'clumsy', 'tedious', 'weak'];
const FILLER = ['the', 'film', 'was', 'a', 'plot', 'and', 'acting', 'story'];
export const BASE_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...POSITIVE, ...NEGATIVE, ...FILLER, ',', '.'];

export interface BaseModelOptions {
  readonly vocab?: readonly string[];
  readonly hiddenSize?: number;
  /** Overrides for config.json, e.g. a vocab_size that does not fit the vocabulary. */
  readonly config?: Record<string, unknown>;
  /** Changes the word embeddings before they are saved, e.g. to make a token overflow. */
  readonly embeddings?: (table: Float32Array, hiddenSize: number) => void;
}

/** A base BERT checkpoint (no classification head), WordPiece vocab.txt only, as classic repos ship. */
export function writeBaseModel(folder: string, options: BaseModelOptions = {}): void {
  mkdirSync(folder, { recursive: true });
  const vocab = options.vocab ?? BASE_VOCAB;
  const hidden = options.hiddenSize ?? 32;
  const configJson = { model_type: 'bert', vocab_size: vocab.length, hidden_size: hidden, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 64, type_vocab_size: 2 };
  const init = startingPoint({ name: 'base', configJson, weights: new Map() }, ['x', 'y'], defaultSettings).checkpoint;
  const base = [...init.params].filter(([n]) => n.startsWith('bert.') && !n.startsWith('bert.pooler'));
  options.embeddings?.(init.params.get('bert.embeddings.word_embeddings.weight')!, hidden);
  // Saved from BertModel: names without the `bert.` prefix, as many Hub checkpoints are.
  writeFileSync(path.join(folder, 'model.safetensors'), writeSafetensors(base.map(([n, data]) => [n.slice('bert.'.length), { shape: [...init.paramShapes.get(n)!], data }]), { format: 'pt' }));
  writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ ...configJson, architectures: ['BertModel'], ...options.config }));
  writeFileSync(path.join(folder, 'vocab.txt'), `${vocab.join('\n')}\n`);
}

function review(rng: Rng, label: 'pos' | 'neg'): string {
  const words = Array.from({ length: 3 + rng.nextInt(6) }, () => FILLER[rng.nextInt(FILLER.length)]!);
  const cue = (label === 'pos' ? POSITIVE : NEGATIVE)[rng.nextInt(6)]!;
  words.splice(rng.nextInt(words.length), 0, cue);
  return words.join(' ');
}

/** `rows` reviews alternating pos and neg, as `text,label` CSV lines (header first). */
export function reviewLines(rows: number, seed: number): string[] {
  const rng = new Rng(seed);
  const lines = ['text,label'];
  for (let i = 0; i < rows; i++) {
    const label = i % 2 === 0 ? 'pos' : 'neg';
    lines.push(`"${review(rng, label)}",${label}`);
  }
  return lines;
}

export function writeCsv(file: string, rows: number, seed: number): void {
  writeFileSync(file, `${reviewLines(rows, seed).join('\n')}\n`);
}
