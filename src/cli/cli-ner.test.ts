// Token classification through the CLI as a user runs it: CoNLL and JSON Lines in, a token-classification
// folder out, per-word tags from predict and seqeval metrics from eval.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/random.ts';
import { runCardExample, runCli, writeBaseModel } from './cli-fixtures.ts';

const work = mkdtempSync(path.join(tmpdir(), 'cli-ner-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(work, args);

const PEOPLE = ['ada', 'alan', 'grace', 'linus'];
const PLACES = ['paris', 'rome', 'oslo', 'lima'];
const FILLER = ['the', 'visited', 'met', 'in', 'and', 'today', 'then'];

/** Sentences naming a person (B-PER, sometimes with "jr" as I-PER) and a place (B-LOC) among filler words. */
function sentences(count: number, seed: number): { tokens: string[]; tags: string[] }[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const tokens: string[] = [];
    const tags: string[] = [];
    const add = (word: string, tag: string) => (tokens.push(word), tags.push(tag));
    add(FILLER[rng.nextInt(FILLER.length)]!, 'O');
    add(PEOPLE[rng.nextInt(PEOPLE.length)]!, 'B-PER');
    if (rng.nextInt(2) === 0) add('jr', 'I-PER');
    add(FILLER[rng.nextInt(FILLER.length)]!, 'O');
    add(PLACES[rng.nextInt(PLACES.length)]!, 'B-LOC');
    add('.', 'O');
    return { tokens, tags };
  });
}

beforeAll(() => {
  writeBaseModel(path.join(work, 'base'), { vocab: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...PEOPLE, ...PLACES, ...FILLER, 'jr', '.'] });
  const conll = sentences(120, 1).map((s) => s.tokens.map((t, i) => `${t}\t${s.tags[i]}`).join('\n')).join('\n\n');
  writeFileSync(path.join(work, 'train.conll'), `${conll}\n`);
  writeFileSync(path.join(work, 'validation.jsonl'), sentences(30, 2).map((s) => `${JSON.stringify({ tokens: s.tokens, ner_tags: s.tags })}\n`).join(''));
  writeFileSync(path.join(work, 'new.csv'), 'text\nthen grace jr met in oslo .\n\n');
});

describe('finetune-studio CLI, token classification', () => {
  it('guesses the task from CoNLL, trains, and predicts and evaluates with the folder it wrote', async () => {
    const train = await cli(['train', '--model', 'base', '--data', 'train.conll', '--validation', 'validation.jsonl', '--epochs', '6', '--batch-size', '8', '--lr', '3e-3', '--out', 'tagger']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toContain('token-classification');
    expect(train.stderr).toMatch(/eval @ epoch 6\.00.*entity F1/);
    const config = JSON.parse(readFileSync(path.join(work, 'tagger/config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ architectures: ['BertForTokenClassification'], id2label: { 0: 'O', 1: 'B-LOC', 2: 'B-PER', 3: 'I-PER' }, label2id: { O: 0, 'B-LOC': 1, 'B-PER': 2, 'I-PER': 3 } });
    expect(config).not.toHaveProperty('problem_type');
    const card = readFileSync(path.join(work, 'tagger/README.md'), 'utf8');
    expect(card).toMatch(/^---\nlibrary_name: transformers\npipeline_tag: token-classification\n/);
    expect(card).toContain('type: seqeval');
    expect(card).toContain('pipeline("token-classification"');
    expect(existsSync(path.join(work, 'tagger/onnx/model.onnx'))).toBe(true);

    const evaluation = await cli(['eval', '--model', 'tagger', '--data', 'validation.jsonl']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const metrics = JSON.parse(evaluation.stdout) as { task: string; f1: number; accuracy: number; perType: { type: string; support: number }[] };
    expect(metrics.task).toBe('token-classification');
    expect(metrics.f1).toBeGreaterThanOrEqual(0.9);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(metrics.perType.map((t) => [t.type, t.support])).toEqual([
      ['LOC', 30],
      ['PER', 30],
    ]);

    // The same sentences with their tags as ids, named by --tag-names.
    const ids = ['O', 'B-LOC', 'B-PER', 'I-PER'];
    const asIds = readFileSync(path.join(work, 'validation.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tokens: string[]; ner_tags: string[] });
    writeFileSync(path.join(work, 'validation-ids.jsonl'), asIds.map((s) => `${JSON.stringify({ tokens: s.tokens, ner_tags: s.ner_tags.map((t) => ids.indexOf(t)) })}\n`).join(''));
    const byIds = await cli(['eval', '--model', 'tagger', '--data', 'validation-ids.jsonl', '--tag-names', ids.join(',')]);
    expect(byIds.code, byIds.stderr).toBe(0);
    expect((JSON.parse(byIds.stdout) as { f1: number }).f1).toBe(metrics.f1);
    const unnamed = await cli(['eval', '--model', 'tagger', '--data', 'validation-ids.jsonl']);
    expect(unnamed.stderr).toMatch(/error: validation-ids\.jsonl, line 1: "ner_tags" holds tag ids .* Give the tag names in id order with --tag-names /);

    const predict = await cli(['predict', '--model', 'tagger', '--data', 'new.csv']);
    expect(predict.code, predict.stderr).toBe(0);
    const [line] = predict.stdout.trim().split('\n').map((l) => JSON.parse(l) as { words: { word: string; tag: string }[]; entities: unknown[] });
    expect(line!.words.map((w) => `${w.word}/${w.tag}`).join(' ')).toBe('then/O grace/B-PER jr/I-PER met/O in/O oslo/B-LOC ./O');
    expect(line!.entities).toEqual([
      { entity: 'PER', start: 1, end: 3, text: 'grace jr' },
      { entity: 'LOC', start: 5, end: 6, text: 'oslo' },
    ]);
  });
});

// Uses the folder the test above trained (tests in a file run in order).
describe('the exported token classifier in transformers.js', () => {
  it('pipeline("token-classification") offline tags the sentence as finetune-studio predict does, scores within 1e-4', async () => {
    const predict = await cli(['predict', '--model', 'tagger', '--data', 'new.csv']);
    expect(predict.code, predict.stderr).toBe(0);
    const ours = (JSON.parse(predict.stdout.trim().split('\n')[0]!) as { words: { word: string; tag: string; score: number }[] }).words;
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${work}/`;
    const tag = await pipeline('token-classification', 'tagger', { dtype: 'fp32' });
    const found = (await tag('then grace jr met in oslo .')) as { entity: string; score: number; index: number; word: string }[];
    await tag.dispose();
    // Every word is one word piece here, so token i + 1 (after [CLS]) is word i; the pipeline leaves out O.
    const expected = ours.flatMap((w, i) => (w.tag === 'O' ? [] : [{ entity: w.tag, index: i + 1, word: w.word, score: w.score }]));
    expect(found.map(({ entity, index, word }) => ({ entity, index, word }))).toEqual(expected.map(({ entity, index, word }) => ({ entity, index, word })));
    found.forEach((f, i) => expect(Math.abs(f.score - expected[i]!.score)).toBeLessThan(1e-4));
    expect(expected.length).toBe(3);
  });

  it("the model card's example names the entities predict finds", async () => {
    const card = readFileSync(path.join(work, 'tagger/README.md'), 'utf8');
    const [[entities]] = (await runCardExample(work, card, 'tagger', { sentence: 'then grace jr met in oslo .' })) as [[{ entity_group: string; word: string }[]]];
    expect(entities.map(({ entity_group, word }) => ({ entity: entity_group, text: word }))).toEqual([
      { entity: 'PER', text: 'grace jr' },
      { entity: 'LOC', text: 'oslo' },
    ]);
  });
});

// Continues the run the first test finished (tests in a file run in order).
describe('a token-classification checkpoint', () => {
  it('resumes with more --epochs, the tags and sentences checked against it, and trains on to the new total', async () => {
    const run = await cli(['train', '--model', 'base', '--data', 'train.conll', '--validation', 'validation.jsonl', '--resume', 'tagger', '--epochs', '7', '--batch-size', '8', '--lr', '3e-3', '--out', 'tagger']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('resuming at step 90 (epoch 7) of 105\n');
    expect(run.stderr).toMatch(/eval @ epoch 7\.00 \(step 105\).*entity F1/);
    const config = JSON.parse(readFileSync(path.join(work, 'tagger/config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.architectures).toEqual(['BertForTokenClassification']);

    writeFileSync(path.join(work, 'more-tags.conll'), 'ada B-PER\nvisited O\nrome B-LOC\nwith O\nacme B-ORG\n');
    const otherTags = await cli(['train', '--model', 'base', '--data', 'more-tags.conll', '--resume', 'tagger', '--epochs', '8', '--out', 'tagger']);
    expect(otherTags.code).toBe(1);
    expect(otherTags.stderr).toContain('"B-ORG"');
  });
});
