import { execFileSync } from 'node:child_process';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { TaskId } from '../engine/tasks/index.ts';
import { usageExamples } from './usage-examples.ts';

const PYTHON = '/usr/bin/python3';
const facts = { textPair: false, maxLength: 64, threshold: 0.35 };
const blocks = (markdown: string, language: string) => [...markdown.matchAll(new RegExp(`\`\`\`${language}\\n([^]*?)\`\`\``, 'g'))].map((m) => m[1]!);
const python = (task: TaskId, textPair = false) => blocks(usageExamples({ ...facts, task, textPair }), 'python').join('\n');
const javascript = (task: TaskId, textPair = false) => blocks(usageExamples({ ...facts, task, textPair }), 'js').join('\n');

describe('usageExamples', () => {
  it('single-label: the pipeline, and the argmax label of the model', () => {
    expect(python('single-label')).toContain('print(model.config.id2label[model(**inputs).logits.argmax(-1).item()])');
    expect(javascript('single-label')).toContain("console.log(await classify('Type a sentence here'));");
    expect(javascript('single-label', true)).toContain('const probabilities = softmax(logits.data);');
  });

  it("multi-label: every label's sigmoid probability, and the labels at the folder's threshold", () => {
    const py = python('multi-label');
    expect(py).toContain('print(classify("Type a sentence here", top_k=None))');
    expect(py).toContain('probabilities = torch.sigmoid(model(**inputs).logits)[0].tolist()');
    expect(py).toContain('threshold = model.config.multi_label_threshold  # 0.35');
    expect(py).toContain('if p >= threshold]');
    const js = javascript('multi-label');
    expect(js).toContain("await classify('Type a sentence here', { top_k: null })");
    expect(js).toContain('const threshold = classify.model.config.multi_label_threshold; // 0.35');
    expect(javascript('multi-label', true)).toContain('const probabilities = [...logits.sigmoid().data];');
  });

  it('regression: the one output is the score, not a label; transformers.js reads the logits, since its pipeline softmaxes one logit to 1', () => {
    const py = python('regression');
    expect(py).toContain('function_to_apply="none"');
    expect(py).toContain('print(model(**inputs).logits[0, 0].item())  # the score');
    expect(py).not.toContain('id2label');
    const js = javascript('regression');
    expect(js).not.toContain('pipeline');
    expect(js).toContain("const model = await AutoModelForSequenceClassification.from_pretrained('this-folder', { dtype: 'fp32' });");
    expect(js).toContain("const { logits } = await model(tokenizer('Type a sentence here', { truncation: true, max_length: 64 }));");
    expect(js).toContain('console.log(logits.data[0]); // the score');
  });

  it('text pairs: Python passes both texts; transformers.js encodes them with the tokenizer, as its pipeline cannot', () => {
    for (const task of ['single-label', 'multi-label', 'regression'] as const) {
      expect(python(task, true)).toContain('inputs = tokenizer("First text", "Second text", truncation=True, max_length=64, return_tensors="pt")');
      expect(javascript(task, true)).toContain("tokenizer('First text', { text_pair: 'Second text', truncation: true, max_length: 64 })");
      expect(javascript(task, true)).not.toContain('pipeline');
    }
  });

  it("token classification: entities from the pipeline, Python's grouped by each word's first piece", () => {
    expect(python('token-classification')).toContain('tag = pipeline("token-classification", model="path/to/this/folder", aggregation_strategy="first")');
    expect(javascript('token-classification')).toContain("console.log(await tag('Type a sentence here', { aggregation_strategy: 'simple' }));");
  });

  it('is JavaScript a parser reads, for every task with one text or two', () => {
    for (const task of ['single-label', 'multi-label', 'regression', 'token-classification'] as const) {
      for (const textPair of [false, true]) {
        const { diagnostics } = ts.transpileModule(javascript(task, textPair), { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        expect(diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), `${task}${textPair ? ', pairs' : ''}`).toEqual([]);
      }
    }
  });

  it('is Python that compiles, for every task with one text or two', () => {
    const sources = (['single-label', 'multi-label', 'regression', 'token-classification'] as const).flatMap((task) => [python(task), python(task, true)]);
    const script = 'import json, sys\nfor source in json.load(sys.stdin): compile(source, "card", "exec")\nprint("ok")';
    expect(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(sources), encoding: 'utf8' }).trim()).toBe('ok');
  });
});
