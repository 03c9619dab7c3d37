import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * Remote terminal frames, relayed by the fleet between a console user's browser and a pty
 * on the appliance. A session id names one shell; `seq` counts frames each way so a lost
 * or reordered frame is noticed rather than shown as garbled output.
 */
export const TerminalSessionId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 of A-Z a-z 0-9 _ -');
const Seq = z.number().int().nonnegative();
const Cols = z.number().int().min(10).max(500);
const Rows = z.number().int().min(2).max(300);
/** One input or output frame; larger output is split. */
export const MAX_TERMINAL_FRAME = 16 * 1024;

export const TerminalInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('open'),
    session: TerminalSessionId,
    /** The console user, recorded by the device too. */
    by: z.string().min(1).max(128),
    /** The fleet node that relays this session: the last level of the output topic. */
    caller: Id,
    cols: Cols,
    rows: Rows,
    /** An open that waited in a queue past this is refused, not run late. */
    expiresAt: z.number().int().nonnegative(),
  }),
  z.object({ kind: z.literal('input'), session: TerminalSessionId, seq: Seq, data: z.string().max(MAX_TERMINAL_FRAME) }),
  z.object({ kind: z.literal('resize'), session: TerminalSessionId, cols: Cols, rows: Rows }),
  z.object({ kind: z.literal('close'), session: TerminalSessionId }),
]);
export type TerminalInput = z.infer<typeof TerminalInput>;

export const TerminalRefusal = z.enum(['policy', 'limit', 'expired', 'unknown-session', 'failed']);
export type TerminalRefusal = z.infer<typeof TerminalRefusal>;
export const TerminalExitReason = z.enum(['exited', 'idle', 'max-duration', 'closed', 'shutdown']);
export type TerminalExitReason = z.infer<typeof TerminalExitReason>;

export const TerminalOutput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('opened'), session: TerminalSessionId, shell: z.string().max(256), idleTimeoutS: z.number().nonnegative(), maxDurationS: z.number().nonnegative() }),
  z.object({ kind: z.literal('refused'), session: TerminalSessionId, code: TerminalRefusal, message: z.string().max(1000) }),
  z.object({ kind: z.literal('output'), session: TerminalSessionId, seq: Seq, data: z.string().max(MAX_TERMINAL_FRAME * 4) }),
  z.object({ kind: z.literal('exit'), session: TerminalSessionId, reason: TerminalExitReason, exitCode: z.number().int().optional() }),
]);
export type TerminalOutput = z.infer<typeof TerminalOutput>;
