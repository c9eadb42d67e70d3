import { describe, expect, it } from 'vitest';
import { gradientStepGraph, inferenceGraph, trainStepGraph } from '../artifacts.ts';
import { type ModelType, parseModelConfig } from '../models/config.ts';
import { tinyConfigs } from '../models/test-support.ts';
import type { Graph } from '../onnx/graph.ts';
import { trainerAdamW } from '../optim/adamw.ts';
import { TASKS } from '../tasks/index.ts';
import { gradientRules, notDifferentiable } from './rules/index.ts';

/** Every graph the engine compiles, for every family and task: the in-graph and resident train steps, and the exported model. */
function everyGraph(): { name: string; graph: Graph }[] {
  return (Object.keys(tinyConfigs) as ModelType[]).flatMap((type) =>
    TASKS.flatMap((task) => {
      const config = parseModelConfig(tinyConfigs[type]);
      const numLabels = task.numLabels(['a', 'b', 'c']);
      const options = { config, numLabels, task, optimizer: { ...trainerAdamW, weightDecay: 0.01 }, maxGradNorm: 1, gradAccumulation: 2, update: 'in-graph' as const };
      return [
        { name: `${type} ${task.id} train step`, graph: trainStepGraph(options) },
        { name: `${type} ${task.id} gradient step`, graph: gradientStepGraph(config, numLabels, task).graph },
        { name: `${type} ${task.id} inference`, graph: inferenceGraph(config, numLabels, task) },
      ];
    }),
  );
}

describe('gradient rule coverage', () => {
  it('gives every op the graphs record a gradient rule or an explicit "not differentiable" mark', () => {
    const unmarked = new Map<string, string>();
    for (const { name, graph } of everyGraph()) {
      for (const node of graph.nodes) {
        const op = node.domain ? `${node.domain}.${node.op}` : node.op;
        if (!gradientRules.has(op) && !notDifferentiable.has(op) && !unmarked.has(op)) unmarked.set(op, name);
      }
    }
    expect(Object.fromEntries(unmarked)).toEqual({});
  });

  it('marks no op both ways', () => {
    expect([...notDifferentiable].filter((op) => gradientRules.has(op))).toEqual([]);
  });
});
