// Composition of the telephony side of the appliance: SIP (CallService), the media plane
// (MediaEngine + SipMediaPort), IVR runner, ACD adapter, call control and agent desk, CDR and
// customer stores — all configured from the configuration twin's sections (sip, acd, ivr,
// desk, recording). Telephony starts once the running configuration has a `sip` section
// (at boot, or when one is applied later). Box-local settings that the twin does not carry
// (media addresses and ports) come from `<dataDir>/telephony.json`:
//   { "media": { ...MediaConfig overrides }, "seedConfig": { ...a configuration document }, "customers": [...] }
// `seedConfig` is applied as a local edit on first start when nothing configures SIP yet
// (the demo uses it), so a fresh box answers calls before any fleet push; a changed seed
// replaces its own earlier version, never a configuration from the fleet or an admin.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AcdAdapter, type AcdJournal } from './acd/acd-adapter.ts';
import { parseAcdConfig } from './acd/config.ts';
import { CallControl } from './calls/call-control.ts';
import { CallMediaPort } from './calls/call-media-port.ts';
import { CallService } from './calls/call-service.ts';
import { callSettingsFrom, type CallSettings } from './calls/call-settings.ts';
import { CDR_MIGRATIONS, CdrStore } from './cdr/cdr-store.ts';
import { VOICEMAIL_MIGRATIONS, VoicemailStore } from './voicemail/voicemail-store.ts';
import { boxesOfAgent } from './voicemail/voicemail-config.ts';
import type { ConfigTwin } from './config-twin/config-twin.ts';
import { CUSTOMER_MIGRATIONS, CustomerStore, type CustomerInput } from './customers/customer-store.ts';
import type { AgentDesk } from './desk/agent-desk.ts';
import { IvrRunner } from './ivr/ivr-runner.ts';
import { MediaEngine } from './media/media-engine.ts';
import type { MediaConfigInput } from './media/media-config.ts';
import { RECORDING_MIGRATIONS } from './media/recording-store.ts';
import { SipMediaPort } from './media/sip-media-port.ts';
import { LocationDocumentSchema, type LocationDocument } from './sip/registrar.ts';
import type { TrunkState } from './sip/trunks.ts';
import type { Endpoint } from './sip/core/transport-port.ts';
import type { DigestAlgorithm } from './sip/core/digest.ts';
import { FsyncJsonFile } from './store/fsync-json-file.ts';
import type { BatchWriter } from './store/batch-writer.ts';
import { applyMigrations, type SqliteDatabase } from './store/sqlite-database.ts';
import { silentLogger, type Logger } from './log/logger.ts';
import { configHash, type ConfigDocument } from '../protocol/config-document.ts';
import { siteUtcOffsetMinutes } from './metrics/utc-offset.ts';

export interface TelephonyOptions {
  twin: ConfigTwin;
  db: SqliteDatabase;
  writer: BatchWriter;
  dataDir: string;
  log?: Logger;
  /** Overrides of the media configuration (tests: loopback, port ranges, workers). */
  media?: Partial<MediaConfigInput>;
  journal?: AcdJournal;
  /** Tests restrict where SIP may send. */
  sendFilter?: (to: Endpoint) => boolean;
  /** Digest challenges for registering phones, preferred first (SIPp only answers the first, and only MD5). */
  digestAlgorithms?: DigestAlgorithm[];
  /** ACD live/metrics tick; 1000 by default. */
  acdTickMs?: number;
}

const SEED_BY = 'telephony seed';

const LocalFile = z.strictObject({
  media: z.record(z.string(), z.unknown()).optional(),
  seedConfig: z.record(z.string(), z.unknown()).optional(),
  /** Customer records added when their number is not known yet (demo data). */
  customers: z.array(z.unknown()).max(10_000).optional(),
});

/** The running telephony modules (present once SIP is configured). */
export interface TelephonyModules {
  calls: CallService;
  engine: MediaEngine;
  port: SipMediaPort;
  /** The B2BUA's media port: `sessionOf(legId)` for any leg. */
  media: CallMediaPort;
  acd: AcdAdapter;
  ivr: IvrRunner;
  control: CallControl;
  desk: AgentDesk;
}

export class Telephony {
  #modules: TelephonyModules | undefined;
  #starting: Promise<TelephonyModules | undefined> | undefined;
  #settings: CallSettings;
  #stopped = false;
  #draining = false;
  readonly cdr: CdrStore;
  readonly customers: CustomerStore;
  readonly voicemail: VoicemailStore;

  constructor(private readonly options: TelephonyOptions, settings: CallSettings) {
    this.#settings = settings;
    this.cdr = new CdrStore({ db: options.db, writer: options.writer });
    this.customers = new CustomerStore({ db: options.db, writer: options.writer });
    this.voicemail = new VoicemailStore({ db: options.db, writer: options.writer });
  }

  get modules(): TelephonyModules | undefined {
    return this.#modules;
  }

  /** The agent desk (undefined until SIP is configured). */
  get desk(): AgentDesk | undefined {
    return this.#modules?.desk;
  }

  get acd(): AcdAdapter | undefined {
    return this.#modules?.acd;
  }

  /** The voicemail boxes the configuration gives an agent. */
  voicemailBoxesOf(agentId: string): string[] {
    return boxesOfAgent(this.options.twin.config.voicemail, agentId);
  }

  get settings(): CallSettings {
    return this.#settings;
  }

  /** Trunk registration and probe states, for telemetry. */
  trunkStates(): TrunkState[] {
    return this.#modules?.calls.trunkStates() ?? [];
  }

  /** The SIP UDP port actually bound (0 in the config picks one). */
  sipPort(): number | undefined {
    return this.#modules?.calls.server.udp?.port;
  }

  /** Refuse new calls (503) while an update waits for the calls in progress to end, or take them again. */
  setDraining(on: boolean): void {
    this.#draining = on;
    if (this.#modules) this.#modules.calls.b2bua.draining = on;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Calls up now (a bridged pair of legs is one call): what an update's drain waits for. */
  activeCalls(): number {
    let n = 0;
    for (const leg of this.#modules?.calls.b2bua.legs.values() ?? []) if (!leg.peer || leg.id < leg.peer.id) n++;
    return n;
  }

  /** Resolves when the modules run (or stays undefined while SIP is not configured). */
  ready(): Promise<TelephonyModules | undefined> {
    return this.#starting ?? Promise.resolve(this.#modules);
  }

  /** Swaps the settings the call control reads; the ACD takes its section too. */
  apply(doc: ConfigDocument): void {
    this.#settings = callSettingsFrom(doc);
    if (this.#modules && doc.acd) void this.#modules.acd.applyConfig(doc.acd);
    if (!this.#modules && doc.sip && !this.#stopped) this.#starting = this.#start(doc);
  }

  async #start(doc: ConfigDocument): Promise<TelephonyModules | undefined> {
    const o = this.options;
    const log = o.log ?? silentLogger;
    try {
      const media = mediaConfig(o.dataDir, doc, { ...readLocal(o.dataDir).media, ...o.media });
      const engine = await MediaEngine.start({ config: media, db: o.db, writer: o.writer });
      // messages a crash left being recorded, from the recordings the engine just recovered
      const recordings = engine.env.recordings;
      if (recordings) await this.voicemail.reconcile((callId) => recordings.recordingsOf(callId)).catch((e: Error) => log.warn('voicemail reconciliation failed', { error: e.message }));
      const port = new SipMediaPort(engine);
      port.on('warning', (e) => log.debug('media', { error: e.message }));
      const locations = new FsyncJsonFile<LocationDocument>(join(o.dataDir, 'sip-locations.json'), { schema: LocationDocumentSchema });
      const callMedia = new CallMediaPort(port, engine, (e) => log.debug('media', { error: e.message }));
      const calls = await CallService.start({ config: doc.sip, locationStore: locations, media: callMedia, ...(o.sendFilter ? { sendFilter: o.sendFilter } : {}), ...(o.digestAlgorithms ? { digestAlgorithms: o.digestAlgorithms } : {}) });
      const acd = new AcdAdapter({
        config: doc.acd ?? { skills: [], agents: [], queues: [] },
        ...(o.journal ? { journal: o.journal } : {}),
        tickMs: o.acdTickMs ?? 1000,
        // "today" on the wallboards starts at the site's midnight, not UTC's
        metrics: { utcOffsetMinutes: siteUtcOffsetMinutes(doc.workingHours, Date.now()) },
      });
      let ivr: IvrRunner | undefined;
      const control = new CallControl({
        b2bua: calls.b2bua, port, media: callMedia, engine, acd, cdr: this.cdr, customers: this.customers, settings: () => this.#settings, log: log.child('calls'),
        ivr: (player) => (ivr = new IvrRunner({ player })),
        voicemail: { store: this.voicemail, section: () => o.twin.config.voicemail },
      });
      control.on('warning', (e) => log.debug('call control', { error: e.message }));
      calls.b2bua.draining = this.#draining;
      this.#modules = { calls, engine, port, media: callMedia, acd, ivr: ivr!, control, desk: control.desk };
      log.info('telephony started', { sipUdpPort: calls.server.udp?.port, media: { listenIp: media.listenIp, announcedIp: media.announcedIp } });
      if (this.#stopped) await this.stop();
      return this.#modules;
    } catch (error) {
      log.error('telephony could not start', { error: (error as Error).message });
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#starting;
    const m = this.#modules;
    this.#modules = undefined;
    if (!m) return;
    m.control.close();
    m.acd.stop();
    await m.calls.close();
    await m.engine.close();
  }
}

function readLocal(dataDir: string): z.infer<typeof LocalFile> {
  const path = join(dataDir, 'telephony.json');
  if (!existsSync(path)) return {};
  return LocalFile.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Media settings from the data directory and the SIP listener (RTP on the same address). */
function mediaConfig(dataDir: string, doc: ConfigDocument, overrides: Record<string, unknown>): MediaConfigInput {
  const host = doc.sip?.listen.host ?? '0.0.0.0';
  const advertised = doc.sip?.listen.advertisedHost;
  const isIp = (h: string | undefined) => h !== undefined && /^(\d{1,3}\.){3}\d{1,3}$/.test(h);
  const listenIp = isIp(host) ? host : '0.0.0.0';
  const firstIp = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';
  const announcedIp = listenIp === '0.0.0.0' ? (isIp(advertised) ? advertised! : firstIp) : undefined;
  for (const d of ['prompts', 'tts-cache', 'recordings']) mkdirSync(join(dataDir, d), { recursive: true });
  return {
    listenIp, ...(announcedIp ? { announcedIp } : {}),
    promptDir: join(dataDir, 'prompts'), ttsCacheDir: join(dataDir, 'tts-cache'),
    recording: { dir: join(dataDir, 'recordings') },
    ...overrides,
  } as MediaConfigInput;
}

/**
 * Starts telephony on the appliance: stores (migrated here), a twin consumer that keeps the
 * settings current, and the modules as soon as SIP is configured.
 */
export async function startTelephony(options: TelephonyOptions): Promise<Telephony> {
  applyMigrations(options.db, [...RECORDING_MIGRATIONS, ...CDR_MIGRATIONS, ...CUSTOMER_MIGRATIONS, ...VOICEMAIL_MIGRATIONS]);
  const { twin } = options;
  const telephony = new Telephony(options, callSettingsFrom(twin.config));
  twin.register({
    name: 'telephony',
    prepare: (next) => {
      if (next.acd) {
        const r = parseAcdConfig(next.acd, { customStrategies: next.acd.strategyPlugins.map((p) => p.name) });
        if (!r.ok) throw r.error;
      }
      return { commit: () => telephony.apply(next) };
    },
  });
  const local = readLocal(options.dataDir);
  for (const c of local.customers ?? []) {
    const phone = (c as { phone?: unknown }).phone;
    if (typeof phone === 'string' && !telephony.customers.byPhone(phone)) await telephony.customers.put(c as CustomerInput).catch(() => undefined);
  }
  const seed = local.seedConfig;
  // the seed applies to a box that has no SIP yet, and again when it changed while the running
  // configuration is still the seed's (a fleet push or an admin's edit is never overwritten)
  const running = twin.running;
  const seedChanged = seed !== undefined && running.source === 'local' && running.by === SEED_BY && running.hash !== configHash(seed);
  if (seed && (!twin.config.sip || seedChanged)) {
    const r = await twin.editLocal(seed, SEED_BY);
    if (!r.ok) (options.log ?? silentLogger).error('telephony seed configuration refused', { issues: r.issues.slice(0, 5) });
  } else telephony.apply(twin.config);
  await telephony.ready();
  return telephony;
}
