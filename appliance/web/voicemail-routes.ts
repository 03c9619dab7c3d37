// Voicemail: the messages (per box, or only unheard ones), each message's WAV for the desk's
// <audio> player, and marking a message heard. Supervisors and admins reach every box; an
// agent only the boxes the configuration gives them (`voicemail.boxes[].agents`): other
// messages do not exist for them (404). Files are served only from inside the recordings
// directory, whatever a row says.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { VoicemailStore } from '../voicemail/voicemail-store.ts';
import type { Context } from 'hono';
import type { WebEnv } from './web-request-auth.ts';
import { webRoute, type WebRoute } from './web-route.ts';
import { agentIdOf, hasWebRole } from './web-users.ts';

/** What the web layer uses of the voicemail store (appliance/voicemail/voicemail-store.ts). */
export type VoicemailReader = Pick<VoicemailStore, 'list' | 'get' | 'setHeard' | 'boxes'>;

const ListQuery = z.object({
  box: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  unheard: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().nonnegative().optional(),
});
const MessageParam = z.object({ messageId: z.string().min(1).max(100) });
const Heard = z.object({ heard: z.boolean() });

/** The boxes an agent was given (by agent id). */
export type VoicemailBoxesOf = (agentId: string) => readonly string[];

export function voicemailRoutes(voicemail: VoicemailReader, recordingsDir: string, boxesOf: VoicemailBoxesOf = () => []): WebRoute[] {
  const notFound = (id: string) => ({ error: 'not-found', message: `no voicemail message ${id}` });
  /** undefined: every box (supervisor, admin); else the boxes this agent was given. */
  const allowed = (c: Context<WebEnv>): ReadonlySet<string> | undefined => {
    const user = c.get('auth').user;
    return hasWebRole(user.role, 'supervisor') ? undefined : new Set(boxesOf(agentIdOf(user)));
  };
  const messageFor = (c: Context<WebEnv>, id: string) => {
    const m = voicemail.get(id);
    const boxes = allowed(c);
    return m && (!boxes || boxes.has(m.box)) ? m : undefined;
  };
  return [
    webRoute({
      method: 'get',
      path: '/api/voicemail',
      summary: 'Voicemail messages, newest first (of one box, or only unheard ones), and the count per box; an agent sees only its boxes',
      role: 'agent',
      query: ListQuery,
      handler: (c, { query }) => {
        const boxes = allowed(c);
        const options = { unheardOnly: query.unheard === 'true', limit: query.limit, ...(query.before !== undefined ? { before: query.before } : {}) };
        if (!boxes) return c.json({ messages: voicemail.list({ ...options, ...(query.box ? { box: query.box } : {}) }), boxes: voicemail.boxes() });
        const mine = query.box ? [query.box].filter((b) => boxes.has(b)) : [...boxes];
        const messages = mine.flatMap((box) => voicemail.list({ ...options, box })).sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1)).slice(0, query.limit);
        return c.json({ messages, boxes: voicemail.boxes().filter((b) => boxes.has(b.box)) });
      },
    }),
    webRoute({
      method: 'get',
      path: '/api/voicemail/:messageId/audio',
      summary: 'A voicemail message as a WAV file (for the audio player)',
      role: 'agent',
      params: MessageParam,
      handler: (c, { params }) => {
        const message = messageFor(c, params.messageId);
        const root = resolve(recordingsDir);
        const path = message ? resolve(root, message.path) : undefined;
        if (!path || !path.startsWith(`${root}${sep}`) || !existsSync(path)) return c.json(notFound(params.messageId), 404);
        c.header('Content-Type', 'audio/wav');
        c.header('Content-Length', String(statSync(path).size));
        c.header('Content-Disposition', `inline; filename="voicemail-${message!.box}-${message!.id}.wav"`);
        return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>);
      },
    }),
    webRoute({
      method: 'put',
      path: '/api/voicemail/:messageId/heard',
      summary: 'Mark a voicemail message heard (or unheard again)',
      role: 'agent',
      params: MessageParam,
      body: Heard,
      handler: async (c, { params, body }) =>
        messageFor(c, params.messageId) && (await voicemail.setHeard(params.messageId, body.heard)) ? c.body(null, 204) : c.json(notFound(params.messageId), 404),
    }),
  ];
}
