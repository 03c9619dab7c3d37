// What the call control reads from the configuration twin, gathered in one object that
// telephony.ts rebuilds (and swaps whole) on every applied configuration.
import type { AcdConfigInput } from '../acd/config.ts';
import type { DeskSection } from '../desk/desk-config.ts';
import { DeskSectionSchema } from '../desk/desk-config.ts';
import type { CompiledFlow } from '../ivr/flow-validation.ts';
import { validateFlow } from '../ivr/flow-validation.ts';
import { RecordingPolicySchema, type ConfigDocument } from '../../protocol/config-document.ts';
import { verifyPassword } from '../desk/agent-credentials.ts';

export interface QueueSettings {
  id: string;
  name?: string;
  skills: { skill: string; minLevel: number }[];
  wrapUpSeconds: number;
  offerTimeoutSeconds: number;
}

export interface AgentSettings {
  id: string;
  name?: string;
  skills: Record<string, number>;
}

export type RecordingPolicy = ReturnType<typeof RecordingPolicySchema.parse>;

export interface CallSettings {
  agents: Map<string, AgentSettings>;
  queues: Map<string, QueueSettings>;
  reasonCodes: string[];
  desk: DeskSection;
  recording: RecordingPolicy;
  flows: Map<string, CompiledFlow>;
  /** DOD caller id per trunk group. */
  callerIds: Map<string, string>;
}

/** Builds the settings from a validated configuration document (defaults filled in). */
export function callSettingsFrom(doc: Pick<ConfigDocument, 'acd' | 'desk' | 'recording' | 'ivr' | 'sip'>): CallSettings {
  const acd = doc.acd as (AcdConfigInput & { queues: QueueSettings[]; reasonCodes: string[] }) | undefined;
  const flows = new Map<string, CompiledFlow>();
  for (const flow of doc.ivr?.flows ?? []) {
    const v = validateFlow(flow);
    if (v.ok) flows.set(flow.id, v.compiled);
  }
  return {
    agents: new Map((acd?.agents ?? []).map((a) => [a.id, { id: a.id, ...(a.name ? { name: a.name } : {}), skills: a.skills }])),
    queues: new Map((acd?.queues ?? []).map((q) => [q.id, {
      id: q.id, ...(q.name ? { name: q.name } : {}), skills: q.skills.map((s) => ({ skill: s.skill, minLevel: s.minLevel ?? 1 })),
      wrapUpSeconds: q.wrapUpSeconds ?? 0, offerTimeoutSeconds: q.offerTimeoutSeconds ?? 20,
    }])),
    reasonCodes: acd?.reasonCodes ?? [],
    desk: doc.desk ?? DeskSectionSchema.parse({}),
    recording: doc.recording ?? RecordingPolicySchema.parse({}),
    flows,
    callerIds: new Map((doc.sip?.trunkGroups ?? []).flatMap((g) => (g.callerId ? [[g.id, g.callerId] as [string, string]] : []))),
  };
}

/** Queues an agent serves: it has every skill the queue lists at or above the minimum. */
export function queuesOf(settings: CallSettings, agentId: string): QueueSettings[] {
  const agent = settings.agents.get(agentId);
  if (!agent) return [];
  return [...settings.queues.values()].filter((q) => q.skills.every((s) => (agent.skills[s.skill] ?? 0) >= s.minLevel));
}

export function recordingModeOf(settings: CallSettings, queueId: string | undefined): 'all' | 'none' | 'on-demand' {
  return (queueId !== undefined ? settings.recording.queues[queueId] : undefined) ?? settings.recording.mode;
}

export function checkAgentPassword(settings: CallSettings, agentId: string, password: string): boolean {
  const entry = settings.desk.agents.find((a) => a.id === agentId);
  return entry !== undefined && verifyPassword(password, entry.passwordHash);
}
