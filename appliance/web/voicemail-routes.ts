// Voicemail for supervisors: the messages (per box, unheard first or all), each message's WAV
// for the desk's <audio> player, and marking a message heard. Files are served only from
// inside the recordings directory, whatever a row says.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { VoicemailStore } from '../voicemail/voicemail-store.ts';
import { webRoute, type WebRoute } from './web-route.ts';

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

export function voicemailRoutes(voicemail: VoicemailReader, recordingsDir: string): WebRoute[] {
  const notFound = (id: string) => ({ error: 'not-found', message: `no voicemail message ${id}` });
  return [
    webRoute({
      method: 'get',
      path: '/api/voicemail',
      summary: 'Voicemail messages, newest first (of one box, or only unheard ones), and the count per box',
      role: 'supervisor',
      query: ListQuery,
      handler: (c, { query }) => c.json({
        messages: voicemail.list({ ...(query.box ? { box: query.box } : {}), unheardOnly: query.unheard === 'true', limit: query.limit, ...(query.before !== undefined ? { before: query.before } : {}) }),
        boxes: voicemail.boxes(),
      }),
    }),
    webRoute({
      method: 'get',
      path: '/api/voicemail/:messageId/audio',
      summary: 'A voicemail message as a WAV file (for the audio player)',
      role: 'supervisor',
      params: MessageParam,
      handler: (c, { params }) => {
        const message = voicemail.get(params.messageId);
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
      role: 'supervisor',
      params: MessageParam,
      body: Heard,
      handler: async (c, { params, body }) => (await voicemail.setHeard(params.messageId, body.heard)) ? c.body(null, 204) : c.json(notFound(params.messageId), 404),
    }),
  ];
}
