// What the call control says to a caller and shows an agent, as pure functions: the queue
// announcement (position, estimated wait), the recording notice, and the screen pop built
// from the customer record and the caller's past CDRs.
import type { Cdr } from '../cdr/cdr-store.ts';
import type { Customer } from '../customers/customer-store.ts';
import type { ScreenPop } from '../desk/desk-types.ts';
import type { PlayItem } from '../media/prompt-library.ts';

/** Position (1 = next) and estimated wait, in Chinese then English. */
export function announcementItems(position: number, waitSeconds: number | undefined): PlayItem[] {
  const minutes = waitSeconds === undefined ? undefined : Math.max(1, Math.round(waitSeconds / 60));
  const ahead = Math.max(0, position - 1);
  return [
    { tts: `您前面还有${ahead}位客户${minutes ? `，预计等待${minutes}分钟` : ''}。`, language: 'zh-CN' },
    { tts: `You are number ${position} in the queue${minutes ? `, about ${minutes} minute${minutes > 1 ? 's' : ''}` : ''}.`, language: 'en-US' },
  ];
}

export const RECORDING_NOTICE: PlayItem[] = [
  { tts: '您的通话可能会被录音。', language: 'zh-CN' },
  { tts: 'This call may be recorded.', language: 'en-US' },
];

export function screenPop(customer: Customer | undefined, pastCalls: readonly Cdr[]): ScreenPop {
  return {
    ...(customer ? { customer: { ...customer, tags: [...customer.tags] } } : {}),
    recentContacts: pastCalls.map((r) => ({
      callId: r.callId, startedAt: r.startedAt, direction: r.direction,
      ...(r.queueId ? { queueId: r.queueId } : {}), ...(r.agentId ? { agentId: r.agentId } : {}),
      ...(r.disposition ? { disposition: r.disposition } : {}), ...(r.note ? { note: r.note } : {}),
      talkMs: r.segments.filter((s) => s.kind === 'talk' && s.end !== undefined).reduce((a, s) => a + s.end! - s.start, 0),
    })),
  };
}
