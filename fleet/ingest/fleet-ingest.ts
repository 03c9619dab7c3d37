import { EventEmitter } from 'node:events';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { decode, type DecodeErrorCode } from '../../protocol/decode.ts';
import { filterFor, topics, topicNames } from '../../protocol/topics.ts';
import type { DeviceRef } from '../../protocol/ids.ts';
import type { CommandResponse, DeviceEvent, DeviceState, Telemetry } from '../../protocol/schemas.ts';
import type { ReportedConfig } from '../../protocol/config-twin.ts';
import type { TerminalOutput } from '../../protocol/terminal.ts';
import type { LiveMetrics } from '../../protocol/metrics.ts';
import type { UpdateStatus } from '../../protocol/update-job.ts';
import { silentLogger, type Logger } from '../../appliance/log/logger.ts';

/** Where decoded device traffic goes: the registry and the event store, wired in main. */
export interface IngestSinks {
  state(ref: DeviceRef, state: DeviceState, receivedAt: number): void;
  telemetry(ref: DeviceRef, telemetry: Telemetry, receivedAt: number): void;
  /** Must be durable when it returns or resolves: the PUBACK goes out after it. */
  event(ref: DeviceRef, event: DeviceEvent, receivedAt: number): unknown;
  /** The device's retained configuration report. */
  configReported?(ref: DeviceRef, reported: ReportedConfig, receivedAt: number): void;
  /** Live ACD metrics, a sample a second (QoS 0): kept in memory for wallboards. */
  metrics?(ref: DeviceRef, metrics: LiveMetrics, receivedAt: number): void;
  /** The device's retained update status (rollout campaigns). */
  updateStatus?(ref: DeviceRef, status: UpdateStatus, receivedAt: number): void;
}

export interface FleetIngestOptions {
  url: string;
  username: string;
  password: string;
  /** Stable per fleet node, so the broker keeps its session (and queued QoS 1 events) while it is away. */
  clientId: string;
  /**
   * false when the embedded broker hands device messages to `accept` itself, before it
   * acknowledges them; the client then only sends commands.
   */
  subscribe?: boolean;
  sinks: IngestSinks;
  clock?: () => number;
  log?: Logger;
}

export interface FleetIngestEvents {
  connected: [];
  reply: [ref: DeviceRef, caller: string, response: CommandResponse];
  terminal: [ref: DeviceRef, caller: string, frame: TerminalOutput];
}

export interface IngestCounters {
  received: number;
  accepted: number;
  unknownTopic: number;
  malformed: Partial<Record<DecodeErrorCode, number>>;
  duplicateEvents: number;
  sinkErrors: number;
}

/**
 * The fleet's MQTT client: subscribes to every device-to-fleet row of the topic table,
 * decodes each message, counts and logs what it refuses, and hands the rest to the sinks.
 * An event is stored before its PUBACK leaves (MQTT.js sends it after `handleMessage`
 * completes), so the broker redelivers whatever the fleet did not keep.
 */
export class FleetIngest extends EventEmitter<FleetIngestEvents> {
  readonly counters: IngestCounters = { received: 0, accepted: 0, unknownTopic: 0, malformed: {}, duplicateEvents: 0, sinkErrors: 0 };
  private client: MqttClient | undefined;
  private readonly clock: () => number;
  private readonly log: Logger;

  constructor(private readonly options: FleetIngestOptions) {
    super();
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? silentLogger;
  }

  get isConnected(): boolean {
    return this.client?.connected ?? false;
  }

  get mqtt(): MqttClient {
    if (!this.client) throw new Error('fleet ingest is not started');
    return this.client;
  }

  async start(): Promise<void> {
    const client = mqtt.connect(this.options.url, {
      protocolVersion: 4,
      clientId: this.options.clientId,
      username: this.options.username,
      password: this.options.password,
      clean: false,
      keepalive: 30,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.handleMessage = (packet, done) => {
      const p = packet as IPublishPacket;
      this.accept(p.topic, p.payload as Buffer).then(
        () => done(),
        (err: Error) => done(err),
      );
    };
    const filters = topicNames.filter((n) => topics[n].direction === 'device-to-fleet').map((n) => filterFor(n));
    client.on('connect', (connack) => {
      if (this.options.subscribe === false) {
        this.emit('connected');
        return;
      }
      // With a resumed session the broker still has our subscriptions; subscribing again is harmless.
      client.subscribe(filters, { qos: 1 }, (err) => {
        if (err) this.log.error('ingest subscribe failed', { error: err.message });
        else this.emit('connected');
      });
      this.log.info('fleet ingest connected', { url: this.options.url, sessionPresent: connack.sessionPresent });
    });
    client.on('error', (err) => this.log.warn('fleet ingest broker error', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      client.once('error', onError);
      this.once('connected', () => {
        client.off('error', onError);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
    this.client = undefined;
  }

  /**
   * Takes one device message. Resolves when it is handled (an event: stored durably) and
   * rejects only when an event could not be stored, so the sender gets no acknowledgement.
   */
  async accept(topic: string, payload: Uint8Array): Promise<void> {
    this.counters.received++;
    const decoded = decode(topic, payload);
    if (!decoded.ok) {
      if (decoded.code === 'unknown-topic') this.counters.unknownTopic++;
      else this.counters.malformed[decoded.code] = (this.counters.malformed[decoded.code] ?? 0) + 1;
      this.log.warn('refused device message', { topic: topic.slice(0, 200), code: decoded.code, reason: decoded.message });
      return; // acknowledged anyway: redelivering a malformed message cannot fix it
    }
    const now = this.clock();
    const p = decoded.params as DeviceRef & { caller?: string };
    const ref = { site: p.site, device: p.device };
    try {
      switch (decoded.name) {
        case 'state':
          this.options.sinks.state(ref, decoded.payload, now);
          break;
        case 'telemetry':
          this.options.sinks.telemetry(ref, decoded.payload, now);
          break;
        case 'event':
          if ((await this.options.sinks.event(ref, decoded.payload, now)) === 'duplicate') this.counters.duplicateEvents++;
          break;
        case 'commandReply':
          this.emit('reply', ref, p.caller ?? '', decoded.payload);
          break;
        case 'configReported':
          this.options.sinks.configReported?.(ref, decoded.payload, now);
          break;
        case 'terminalOutput':
          this.emit('terminal', ref, p.caller ?? '', decoded.payload);
          break;
        case 'metrics':
          this.options.sinks.metrics?.(ref, decoded.payload, now);
          break;
        case 'updateStatus':
          this.options.sinks.updateStatus?.(ref, decoded.payload, now);
          break;
        case 'commandRequest':
        case 'configDesired':
        case 'terminalInput':
        case 'updateDesired':
          return; // our own messages echo back only on a misconfigured broker
      }
      this.counters.accepted++;
    } catch (err) {
      this.counters.sinkErrors++;
      this.log.error('storing device message failed', { topic: topic.slice(0, 200), error: (err as Error).message });
      if (decoded.name === 'event') throw err; // no PUBACK: the broker will redeliver
    }
  }
}
