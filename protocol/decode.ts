import { z } from 'zod';
import { matchTopic, topics, type PayloadOf, type TopicName, type TopicParams } from './topics.ts';

/** One decoded message of a known topic: the row's name, its parameters and typed payload. */
export type Decoded = {
  [N in TopicName]: { ok: true; name: N; params: TopicParams<N>; payload: PayloadOf<N> };
}[TopicName];

export type DecodeErrorCode = 'unknown-topic' | 'too-large' | 'not-utf8' | 'not-json' | 'invalid-payload';

export interface DecodeFailure {
  ok: false;
  code: DecodeErrorCode;
  topic: string;
  /** One line a person can act on, e.g. `telemetry: cpu.usage: Too big: expected number to be <=1`. */
  message: string;
}

export type DecodeResult = Decoded | DecodeFailure;

/** The default size limit of a row; anything larger is refused before parsing. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a received topic and payload into a typed value of the topic table, or a clear
 * error. It never throws: callers count and log failures and go on.
 */
export function decode(topic: string, bytes: Uint8Array | string): DecodeResult {
  const fail = (code: DecodeErrorCode, message: string): DecodeFailure => ({ ok: false, code, topic, message });
  const match = matchTopic(topic);
  if (!match) return fail('unknown-topic', `no topic in the contract matches ${JSON.stringify(topic.slice(0, 200))}`);
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  const limit = topics[match.name].maxBytes ?? MAX_PAYLOAD_BYTES;
  if (size > limit) return fail('too-large', `${match.name}: payload of ${size} bytes exceeds ${limit}`);
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch {
    return fail('not-utf8', `${match.name}: payload is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('not-json', `${match.name}: payload is not JSON (${(err as Error).message})`);
  }
  const parsed = topics[match.name].schema.safeParse(json);
  if (!parsed.success) return fail('invalid-payload', `${match.name}: ${describeIssues(parsed.error)}`);
  return { ok: true, name: match.name, params: match.params, payload: parsed.data } as Decoded;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Serialises a payload after validating it against its row, so a device never sends what the fleet would refuse. */
export function encode<N extends TopicName>(name: N, payload: z.input<(typeof topics)[N]['schema']>): Buffer {
  const parsed = topics[name].schema.parse(payload);
  return Buffer.from(JSON.stringify(parsed));
}
