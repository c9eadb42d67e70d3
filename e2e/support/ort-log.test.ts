import { describe, expect, it } from 'vitest';
import { parseNodePlacements } from './ort-log.ts';

const prefix = 'error: 2026-11-26 11:00:34.289834 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]';

describe('parseNodePlacements', () => {
  it('reads the nodes listed under each provider', () => {
    const placements = parseNodePlacements([
      'error: 2026-11-26 11:00:31.186014 [I:onnxruntime:, webgpu_execution_provider.cc:666 GetCapability] webgpu kernel not found',
      `${prefix}  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2`,
      `${prefix}   Unsqueeze (grad/bert.embeddings/Gather_17/Unsqueeze_450)`,
      `${prefix}   Shape (a (weird) name)`,
      `${prefix}  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 1`,
      `${prefix}   MemcpyFromHost (Memcpy)`,
      'error: [0;93m2026-11-26 11:00:34.922040 [W:onnxruntime:, session_state.cc:1397 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned[m',
    ]);
    expect(placements?.allOnOneProvider).toBe(false);
    expect(placements?.byProvider.get('CPUExecutionProvider')?.nodes).toEqual([
      { op: 'Unsqueeze', name: 'grad/bert.embeddings/Gather_17/Unsqueeze_450' },
      { op: 'Shape', name: 'a (weird) name' },
    ]);
    expect(placements?.byProvider.get('WebGpuExecutionProvider')).toEqual({ count: 1, nodes: [{ op: 'MemcpyFromHost', name: 'Memcpy' }] });
  });

  it('reads "All nodes placed on" as one provider with a count', () => {
    const placements = parseNodePlacements([`${prefix}  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 96`]);
    expect(placements?.allOnOneProvider).toBe(true);
    expect(placements?.byProvider.get('WebGpuExecutionProvider')).toEqual({ count: 96, nodes: [] });
    expect([...placements!.byProvider.keys()]).toEqual(['WebGpuExecutionProvider']);
  });

  it('returns null for a log without placements, and throws when the listed nodes do not add up', () => {
    expect(parseNodePlacements(['error: something else'])).toBeNull();
    expect(() => parseNodePlacements([`${prefix}  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2`, `${prefix}   Shape (s)`])).toThrow(/announced 2 nodes/);
  });
});
