// The configuration twin's `desk` section: what the agent desk needs beyond the ACD's own
// section — login credentials (hashed), an optional registered SIP phone per agent,
// disposition codes for wrap-up, and ring/recording details of the call control.
import { z } from 'zod';
import { PASSWORD_HASH_PATTERN } from './agent-credentials.ts';

export const DeskAgentSchema = z.strictObject({
  /** An ACD agent id (acd.agents[].id). */
  id: z.string().min(1).max(64),
  /** scrypt hash from hashPassword(); the clear password is never stored. */
  passwordHash: z.string().regex(PASSWORD_HASH_PATTERN, 'a scrypt hash from hashPassword()'),
  /** Registrar user of the agent's desk phone (sip.registrarUsers[].username), for device 'phone'. */
  phone: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
});

export const DispositionSchema = z.strictObject({
  code: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case code'),
  label: z.string().min(1).max(128),
});

export const DeskSectionSchema = z.strictObject({
  agents: z.array(DeskAgentSchema).max(5000).default([]),
  dispositions: z.array(DispositionSchema).max(200).default([
    { code: 'resolved', label: 'Resolved 已解决' },
    { code: 'follow-up', label: 'Follow-up 需跟进' },
    { code: 'other', label: 'Other 其他' },
  ]),
  /** Outbound calls from the desktop go through this trunk group (its DOD caller id). */
  outboundTrunkGroup: z.string().min(1).max(63).optional(),
  /** Past contacts shown in a screen pop. */
  screenPopContacts: z.number().int().min(0).max(50).default(5),
});

export type DeskSection = z.infer<typeof DeskSectionSchema>;
export type DeskSectionInput = z.input<typeof DeskSectionSchema>;
