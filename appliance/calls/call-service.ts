// Composition of the SIP side of the appliance from its configuration: transports, user
// agent, registrar (location kept in the appliance store), trunks and the B2BUA. main.ts
// starts one of these; telemetry reads trunkStates().
import { SipConfigSchema, type SipConfig } from '../sip/config.ts';
import { DigestServer, type DigestAlgorithm } from '../sip/core/digest.ts';
import { Registrar, type LocationStore } from '../sip/registrar.ts';
import { SipServer } from '../sip/sip-server.ts';
import { TrunkManager, type TrunkState } from '../sip/trunks.ts';
import { UserAgent } from '../sip/user-agent.ts';
import { systemClock } from '../sip/transport/system-clock.ts';
import type { Endpoint } from '../sip/core/transport-port.ts';
import { B2bua } from './b2bua.ts';
import type { MediaPort } from './media-port.ts';

export interface CallServiceOptions {
  /** Validated here with zod: the configuration arrives from files or the fleet. */
  config: unknown;
  locationStore: LocationStore;
  media: MediaPort;
  userAgent?: string;
  /** Tests restrict where the appliance may send (loopback only). */
  sendFilter?: (to: Endpoint) => boolean;
  /** Digest challenges offered to registering phones, preferred first (default SHA-256, MD5). */
  digestAlgorithms?: DigestAlgorithm[];
}

export class CallService {
  private constructor(
    readonly config: SipConfig,
    readonly server: SipServer,
    readonly ua: UserAgent,
    readonly registrar: Registrar,
    readonly trunks: TrunkManager,
    readonly b2bua: B2bua,
  ) {}

  static async start(options: CallServiceOptions): Promise<CallService> {
    const config = SipConfigSchema.parse(options.config);
    const server = await SipServer.start({
      ...config.listen, userAgent: options.userAgent ?? 'contact-center', ...(options.sendFilter ? { sendFilter: options.sendFilter } : {}),
    });
    const ua = new UserAgent(server.stack);
    const passwords = new Map(config.registrarUsers.map((u) => [u.username, u.password]));
    const registrar = new Registrar({
      digest: new DigestServer({ realm: config.realm, ...(options.digestAlgorithms ? { algorithms: options.digestAlgorithms } : {}) }), passwordOf: (u) => passwords.get(u), store: options.locationStore, clock: systemClock,
    });
    await registrar.load();
    ua.on('register', (i) => {
      registrar.handle(i).catch((err: unknown) => {
        // a store failure must not leave the phone hanging: it retries after a 500 (§21.5.1)
        if (i.pending) i.respond(500, { reason: 'Location Store Unavailable' });
        console.error('registrar: could not store bindings', err);
      });
    });
    const trunks = new TrunkManager(ua, config.trunks, config.trunkGroups);
    const b2bua = new B2bua({ ua, config, media: options.media, locate: (u) => registrar.locate(u), trunks });
    trunks.start();
    return new CallService(config, server, ua, registrar, trunks, b2bua);
  }

  trunkStates(): TrunkState[] {
    return this.trunks.trunkStates();
  }

  async close(): Promise<void> {
    this.trunks.stop();
    await this.server.close();
  }
}
