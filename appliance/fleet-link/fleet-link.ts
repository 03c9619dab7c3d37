import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { brokerUsername, type DeviceRef } from '../../protocol/ids.ts';
import { decode, encode, type Decoded, type DecodeFailure } from '../../protocol/decode.ts';
import type { z } from 'zod';
import { filterFor, matchTopic, publishOptions, topicFor, topics, topicNames, type DeviceToFleetTopic, type TopicParams } from '../../protocol/topics.ts';
import type { CommandRequest, CommandResponse, DeviceEvent, DeviceState, Telemetry } from '../../protocol/schemas.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { Outbox, OutboxEventInput } from './outbox.ts';
import { Backoff } from './backoff.ts';

/** How long stop() waits for the broker's acknowledgements before it drops the connection. */
const STOP_WAIT_MS = 1000;

/** True when `p` settled within `ms`; never rejects. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface FleetLinkOptions {
  /** mqtt://host:port of the fleet's broker (embedded aedes or any MQTT 3.1.1 broker). */
  url: string;
  ref: DeviceRef;
  /** This device's broker secret; the user name is `site.device`. */
  secret: string;
  version: string;
  bootId: string;
  profile?: string;
  outbox: Outbox;
  telemetry?: () => Telemetry;
  telemetryIntervalMs?: number;
  keepaliveS?: number;
  /** How many events may wait for their PUBACK at once. */
  window?: number;
  backoff?: { minMs: number; maxMs: number };
  clock?: () => number;
  log?: Logger;
}

export type CommandHandler = (request: CommandRequest) => Promise<unknown> | unknown;

export interface FleetLinkEvents {
  connected: [];
  disconnected: [reason: string];
  /** A valid message for this device from the fleet (commands, later config and updates). */
  message: [message: Decoded];
  malformed: [failure: DecodeFailure];
  delivered: [event: DeviceEvent];
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly code: 'bad-args' | 'failed' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The appliance's link to the fleet: birth on connect with the death as last will, telemetry
 * every few seconds, events through the durable outbox, commands answered on the reply topic.
 * After every (re)connect it subscribes again, so the broker hands it everything retained for
 * it anew; it never relies on having seen a change while it was away.
 */
export class FleetLink extends EventEmitter<FleetLinkEvents> {
  readonly counters = { connects: 0, malformed: 0, delivered: 0, commands: 0, commandsExpired: 0 };
  private client: MqttClient | undefined;
  private generation = 0;
  private connected = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private telemetryTimer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<number>();
  private sentUpTo = 0;
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly backoff: Backoff;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly window: number;

  constructor(private readonly options: FleetLinkOptions) {
    super();
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? silentLogger;
    this.window = options.window ?? 32;
    this.backoff = new Backoff(options.backoff ?? { minMs: 500, maxMs: 30_000 });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    const every = this.options.telemetryIntervalMs ?? 5000;
    if (this.options.telemetry) this.telemetryTimer = setInterval(() => this.publishTelemetry(), every);
  }

  /** Stores an event durably; it is delivered when the broker can take it. */
  async emitEvent(input: OutboxEventInput): Promise<DeviceEvent> {
    const event = await this.options.outbox.enqueue(input);
    this.pump();
    return event;
  }

  handle(name: string, handler: CommandHandler): void {
    this.handlers.set(name, handler);
  }

  /**
   * Publishes a payload on one of this device's own device-to-fleet rows (the config twin's
   * reported state, terminal output). Returns false when not connected: retained rows are
   * published again by their owner on `connected`, the others are the caller's to drop.
   * `onSent` runs when the broker acknowledged the message (QoS 1) or it left (QoS 0).
   */
  publish<N extends DeviceToFleetTopic>(
    name: N,
    payload: z.input<(typeof topics)[N]['schema']>,
    options: { params?: Omit<TopicParams<N>, 'site' | 'device'>; onSent?: () => void } = {},
  ): boolean {
    const client = this.client;
    if (!this.connected || !client) return false;
    const topic = topicFor(name, { ...(options.params ?? {}), ...this.options.ref } as TopicParams<N>);
    client.publish(topic, encode(name, payload), publishOptions(name), (err) => {
      if (!err) options.onSent?.();
    });
    return true;
  }

  /** Drops the connection and connects again with the usual backoff (a remote "restart fleet-link"). */
  reconnect(): void {
    this.client?.end(true);
  }

  publishTelemetry(): void {
    if (!this.connected || !this.client || !this.options.telemetry) return;
    this.client.publish(
      topicFor('telemetry', this.options.ref),
      encode('telemetry', this.options.telemetry()),
      publishOptions('telemetry'),
    );
  }

  /** Clean stop: the retained state says `shutdown` rather than waiting for the will. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.telemetryTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // A broker that is gone or frozen never acknowledges: the goodbye and the graceful end each
    // get a bounded wait, then the connection is dropped (the will then says offline instead).
    if (this.connected) {
      await settlesWithin(
        new Promise<void>((resolve) =>
          client.publish(topicFor('state', this.options.ref), encode('state', this.state('offline', 'shutdown')), publishOptions('state'), () => resolve()),
        ),
        STOP_WAIT_MS,
      );
    }
    this.connected = false;
    if (!(await settlesWithin(client.endAsync(false).catch(() => undefined), STOP_WAIT_MS))) await client.endAsync(true).catch(() => undefined);
  }

  private state(status: DeviceState['status'], reason?: DeviceState['reason'], ts = this.clock()): DeviceState {
    const { bootId, version, profile } = this.options;
    return { status, ts, bootId, version, ...(reason ? { reason } : {}), ...(profile ? { profile } : {}) };
  }

  /**
   * A fresh client per attempt: MQTT.js would otherwise replay its own in-memory copy of
   * unacknowledged publishes, while the outbox is the one source of what is still owed.
   */
  private connect(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const { ref, secret, url } = this.options;
    const stateTopic = topicFor('state', ref);
    // Birth and will of one connection carry the same timestamp: the fleet then knows a will
    // belongs to the connection whose birth it saw, and that an older will is stale.
    const connectionTs = this.clock();
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: brokerUsername(ref),
      username: brokerUsername(ref),
      password: secret,
      clean: true,
      keepalive: this.options.keepaliveS ?? 30,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      will: { topic: stateTopic, payload: encode('state', this.state('offline', 'lost', connectionTs)), ...publishOptions('state') },
    });
    this.client = client;
    const current = () => generation === this.generation && !this.stopped;

    client.on('connect', () => {
      if (!current()) return;
      this.connected = true;
      this.counters.connects++;
      this.backoff.reset();
      this.inflight.clear();
      this.sentUpTo = 0;
      client.publish(stateTopic, encode('state', this.state('online', undefined, connectionTs)), publishOptions('state'));
      const filters = topicNames
        .filter((n) => topics[n].direction === 'fleet-to-device')
        .map((n) => filterFor(n, ref as never));
      client.subscribe(filters, { qos: 1 }, (err) => {
        if (err && current()) this.log.warn('subscribe failed', { error: err.message });
      });
      this.log.info('connected to fleet broker', { url });
      this.emit('connected');
      this.publishTelemetry();
      this.pump();
    });
    client.on('message', (topic, payload) => {
      if (current()) this.onMessage(topic, payload);
    });
    client.on('error', (err) => {
      if (current()) this.log.warn('broker connection error', { error: err.message });
    });
    client.on('close', () => {
      if (!current()) return;
      const wasConnected = this.connected;
      this.connected = false;
      this.inflight.clear();
      client.end(true);
      if (wasConnected) this.emit('disconnected', 'connection closed');
      const delay = this.backoff.next();
      this.log.info('broker connection lost; retrying', { delayMs: delay });
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  /** Sends owed events in order, at most `window` awaiting PUBACK. */
  private pump(): void {
    const client = this.client;
    if (!this.connected || !client) return;
    const generation = this.generation;
    const room = this.window - this.inflight.size;
    if (room <= 0) return;
    for (const event of this.options.outbox.pending(this.sentUpTo, room)) {
      this.inflight.add(event.seq);
      this.sentUpTo = event.seq;
      client.publish(topicFor('event', this.options.ref), encode('event', event), publishOptions('event'), (err) => {
        if (generation !== this.generation || err) return; // resent after the next connect
        this.inflight.delete(event.seq);
        this.counters.delivered++;
        void this.options.outbox.acknowledge(event.seq).catch((e: Error) => this.log.error('outbox delete failed', { error: e.message }));
        this.emit('delivered', event);
        this.pump();
      });
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const decoded = decode(topic, payload);
    if (!decoded.ok) {
      this.counters.malformed++;
      this.log.warn('refused message from broker', { topic: topic.slice(0, 200), code: decoded.code, reason: decoded.message });
      this.emit('malformed', decoded);
      return;
    }
    const { ref } = this.options;
    const params = decoded.params as Partial<DeviceRef>;
    if (params.site !== ref.site || params.device !== ref.device) return;
    this.emit('message', decoded);
    if (decoded.name === 'commandRequest') void this.runCommand(decoded.payload);
  }

  private async runCommand(request: CommandRequest): Promise<void> {
    const { ref } = this.options;
    const reply = matchTopic(request.replyTo);
    const replyParams = reply?.params as Partial<DeviceRef> | undefined;
    // Only a reply topic under this device's own prefix: anything else the broker would refuse
    // anyway, and following it would let a request make the device publish elsewhere.
    if (reply?.name !== 'commandReply' || replyParams?.site !== ref.site || replyParams.device !== ref.device) {
      this.counters.malformed++;
      this.log.warn('command refused: reply topic outside this device', { id: request.id, replyTo: request.replyTo.slice(0, 200) });
      return;
    }
    this.counters.commands++;
    const now = this.clock();
    let response: CommandResponse;
    const handler = this.handlers.get(request.name);
    if (now > request.expiresAt) {
      this.counters.commandsExpired++;
      response = { id: request.id, ok: false, ts: now, error: { code: 'expired', message: `expired ${now - request.expiresAt} ms before it arrived` } };
    } else if (!handler) {
      response = { id: request.id, ok: false, ts: now, error: { code: 'unknown-command', message: `no command ${request.name}` } };
    } else {
      try {
        const result = await handler(request);
        response = { id: request.id, ok: true, ts: this.clock(), result: result ?? null };
      } catch (err) {
        const code = err instanceof CommandError ? err.code : 'failed';
        response = { id: request.id, ok: false, ts: this.clock(), error: { code, message: (err as Error).message.slice(0, 2000) } };
      }
    }
    this.log.info('command', { id: request.id, name: request.name, by: request.by, ok: response.ok });
    this.client?.publish(request.replyTo, encode('commandReply', response), publishOptions('commandReply'));
  }
}
