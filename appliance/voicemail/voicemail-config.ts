// The `voicemail` section of the configuration document: mailboxes (name, greeting text) and
// the longest message. Without a `boxes` list every box id a flow or an overflow rule names is
// accepted (a fresh box works with the demo flow); with one, only the listed boxes take
// messages and a hand-off to any other box hangs up (logged).
import { z } from 'zod';

export const DEFAULT_MAX_SECONDS = 120;

export const VoicemailBoxSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a box id is 1-64 letters, digits, _ . -'),
  name: z.string().min(1).max(100).optional(),
  /** Spoken (TTS) before the beep when the flow gives no greeting of its own. */
  greeting: z.string().min(1).max(500).optional(),
  /** Language of the greeting text for TTS, e.g. zh-CN or en-US. */
  language: z.string().min(2).max(16).optional(),
  maxSeconds: z.number().int().min(5).max(3600).optional(),
  /** Agents (ACD agent ids) who may list and play this box's messages; supervisors see every box. */
  agents: z.array(z.string().min(1).max(64)).max(500).optional(),
});
export type VoicemailBox = z.infer<typeof VoicemailBoxSchema>;

export const VoicemailSectionSchema = z.strictObject({
  boxes: z.array(VoicemailBoxSchema).max(500).optional(),
  /** Longest message, seconds (a box may say otherwise). */
  maxSeconds: z.number().int().min(5).max(3600).default(DEFAULT_MAX_SECONDS),
});
export type VoicemailSection = z.infer<typeof VoicemailSectionSchema>;

export type BoxDecision = { ok: true; box: VoicemailBox; maxSeconds: number } | { ok: false; reason: string };

/** The boxes an agent was given (pure). */
export function boxesOfAgent(section: VoicemailSection | undefined, agentId: string): string[] {
  return (section?.boxes ?? []).filter((b) => b.agents?.includes(agentId)).map((b) => b.id);
}

/** Whether a box takes messages, and with which settings (pure). */
export function resolveBox(section: VoicemailSection | undefined, boxId: string): BoxDecision {
  const s = section ?? VoicemailSectionSchema.parse({});
  if (!VoicemailBoxSchema.shape.id.safeParse(boxId).success) return { ok: false, reason: `"${boxId}" is not a valid box id` };
  const listed = s.boxes?.find((b) => b.id === boxId);
  if (s.boxes !== undefined && s.boxes.length > 0 && !listed) return { ok: false, reason: `no voicemail box ${boxId} is configured` };
  const box = listed ?? { id: boxId };
  return { ok: true, box, maxSeconds: box.maxSeconds ?? s.maxSeconds };
}
