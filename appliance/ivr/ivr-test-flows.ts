// Small flow builders shared by the IVR tests and the benchmark.
import type { FlowInput } from './flow-schema.ts';

export type NodeInput = FlowInput['nodes'][number];

export const tts = (text: string) => [{ tts: text }];

/** A flow around `nodes` (entry: the first node), in Asia/Shanghai unless told otherwise. */
export function flowOf(nodes: NodeInput[], extra: Partial<FlowInput> = {}): FlowInput {
  return { id: 'test', name: 'Test flow', entry: nodes[0]!.id, timeZone: 'Asia/Shanghai', nodes, ...extra };
}

/** Ending nodes most test flows branch to. */
export const ENDINGS: NodeInput[] = [
  { id: 'sales', type: 'queue', queue: 'sales' },
  { id: 'support', type: 'queue', queue: 'support' },
  { id: 'bye', type: 'hangup', reason: 'bye' },
  { id: 'vm', type: 'voicemail', box: 'general' },
];

/** `nodes` plus the ENDINGS some node branches to (an unused one would be refused as unreachable). */
export function withEndings(nodes: NodeInput[]): NodeInput[] {
  const text = JSON.stringify(nodes);
  return [...nodes, ...ENDINGS.filter((e) => !nodes.some((n) => n.id === e.id) && new RegExp(`"(next|onInvalid|onTimeout|onSuccess|onFailure|otherwise|ifEmpty)":"${e.id}"`).test(text))];
}
