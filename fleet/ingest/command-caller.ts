import { randomUUID } from 'node:crypto';
import type { DeviceRef } from '../../protocol/ids.ts';
import { encode } from '../../protocol/decode.ts';
import type { CommandResponse } from '../../protocol/schemas.ts';
import { publishOptions, topicFor } from '../../protocol/topics.ts';
import type { FleetIngest } from './fleet-ingest.ts';

export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
}

export interface CommandCallerOptions {
  ingest: FleetIngest;
  /** This fleet node's id: the last level of the reply topics it reads. */
  caller: string;
  clock?: () => number;
}

/**
 * Sends a command to one device and waits for its reply. The expiry travels with the
 * request, so a device that was offline refuses it on arrival instead of running it late.
 */
export class CommandCaller {
  private readonly waiting = new Map<string, (r: CommandResponse) => void>();
  private readonly clock: () => number;

  constructor(private readonly options: CommandCallerOptions) {
    this.clock = options.clock ?? Date.now;
    options.ingest.on('reply', (_ref, caller, response) => {
      if (caller !== options.caller) return;
      this.waiting.get(response.id)?.(response);
    });
  }

  call(ref: DeviceRef, name: string, args: Record<string, unknown> = {}, options: { timeoutMs?: number; expiresInMs?: number; by?: string } = {}): Promise<CommandResponse> {
    const id = randomUUID();
    const timeoutMs = options.timeoutMs ?? 10_000;
    const request = encode('commandRequest', {
      id,
      name,
      args,
      replyTo: topicFor('commandReply', { ...ref, caller: this.options.caller }),
      expiresAt: this.clock() + (options.expiresInMs ?? timeoutMs),
      ...(options.by ? { by: options.by } : {}),
    });
    return new Promise<CommandResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new CommandTimeoutError(`${name} on ${ref.site}/${ref.device}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (response) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(response);
      });
      this.options.ingest.mqtt.publish(topicFor('commandRequest', ref), request, publishOptions('commandRequest'), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(err);
      });
    });
  }
}
