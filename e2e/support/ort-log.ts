/**
 * Reads onnxruntime's verbose session log (session option `logSeverityLevel: 0` with
 * `env.logLevel = 'verbose'`): which execution provider each node of a session was placed on.
 * ORT writes it while it creates the session, as
 *
 *   [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3
 *   [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Unsqueeze (grad/bert.embeddings/Gather_17/Unsqueeze_450)
 *
 * or, when one provider took everything, `All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 96`.
 */

export interface PlacedNode {
  readonly op: string;
  readonly name: string;
}

export interface ProviderPlacement {
  /** The count ORT announced. */
  readonly count: number;
  /** The nodes ORT listed (none when it wrote "All nodes placed on"). */
  readonly nodes: PlacedNode[];
}

export interface NodePlacements {
  readonly byProvider: Map<string, ProviderPlacement>;
  /** True when ORT wrote "All nodes placed on [X]". */
  readonly allOnOneProvider: boolean;
}

const marker = 'VerifyEachNodeIsAssignedToAnEp]';
const header = /^ (?:Node\(s\)|All nodes) placed on \[(\w+)\]\. Number of nodes: (\d+)$/;
const nodeLine = /^ {2}(\S+) \((.*)\)$/;

/** The node placements in `lines`, or null when the log has none (e.g. the log level was not verbose). */
export function parseNodePlacements(lines: readonly string[]): NodePlacements | null {
  const byProvider = new Map<string, ProviderPlacement>();
  let current: ProviderPlacement | null = null;
  let allOnOne = false;
  for (const line of lines) {
    const at = line.indexOf(marker);
    if (at < 0) continue;
    const text = line.slice(at + marker.length + 1).replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
    const h = header.exec(text);
    if (h) {
      current = { count: Number(h[2]), nodes: [] };
      byProvider.set(h[1]!, current);
      if (text.startsWith(' All nodes')) allOnOne = true;
      continue;
    }
    const n = nodeLine.exec(text);
    if (n && current) current.nodes.push({ op: n[1]!, name: n[2]! });
  }
  if (byProvider.size === 0) return null;
  for (const [provider, p] of byProvider) {
    if (!allOnOne && p.nodes.length !== p.count) {
      throw new Error(`ORT announced ${p.count} nodes on ${provider} but listed ${p.nodes.length}: the log format changed?`);
    }
  }
  return { byProvider, allOnOneProvider: allOnOne };
}

export function describeNodes(nodes: readonly PlacedNode[]): string[] {
  return nodes.map((n) => `${n.op} (${n.name})`);
}
