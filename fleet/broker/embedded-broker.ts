import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { mayPublish, maySubscribe, type Principal } from './broker-acl.ts';
import { brokerUsername, type DeviceRef } from '../../protocol/ids.ts';
import { silentLogger, type Logger } from '../../appliance/log/logger.ts';

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  /** Resolves who a user name/password pair is, or undefined to refuse the connection. */
  authenticate: (username: string, password: string) => Promise<Principal | undefined>;
  /**
   * Sees every device publish the ACL allowed, before the broker acknowledges it: aedes sends
   * PUBACK right after authorisation, so this is where the fleet stores an event durably to
   * make a device's PUBACK mean "the fleet has it". Rejecting closes the connection unacked.
   */
  onDevicePublish?: (topic: string, payload: Buffer) => Promise<void>;
  log?: Logger;
}

export interface BrokerCounters {
  refusedConnections: number;
  refusedPublishes: number;
  refusedSubscriptions: number;
}

const principals = new WeakMap<Client, Principal>();

function authError(message: string): AuthenticateError {
  // 5 = not authorised (MQTT 3.1.1 §3.2.2.3); aedes' const enum is not importable at run time.
  return Object.assign(new Error(message), { returnCode: 5 }) as AuthenticateError;
}

/**
 * The fleet's built-in MQTT 3.1.1 broker (aedes) so one command runs everything. Every
 * connection authenticates; the ACL of `broker-acl.ts` decides each publish and subscribe.
 * Large fleets point at an external broker instead, with the same rules in its ACL.
 */
export class EmbeddedBroker {
  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    readonly port: number,
    readonly counters: BrokerCounters,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const log = options.log ?? silentLogger;
    const counters: BrokerCounters = { refusedConnections: 0, refusedPublishes: 0, refusedSubscriptions: 0 };
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        options
          .authenticate(username ?? '', password?.toString('utf8') ?? '')
          .then((principal) => {
            if (!principal) {
              counters.refusedConnections++;
              log.warn('broker refused connection', { clientId: client.id, username });
              return done(authError('bad user name or password'), false);
            }
            // A device must use its user name as client id: MQTT lets a new connection with a
            // taken client id close the old one (§3.1.4), so a free choice would let one device
            // knock another off the broker.
            if (principal.kind === 'device' && client.id !== brokerUsername(principal.ref)) {
              counters.refusedConnections++;
              log.warn('broker refused connection: client id is not the user name', { clientId: client.id, username });
              return done(authError('client id must equal the user name'), false);
            }
            principals.set(client, principal);
            done(null, true);
          })
          .catch((err: Error) => {
            counters.refusedConnections++;
            log.error('broker authentication failed', { error: err.message });
            done(authError('authentication unavailable'), false);
          });
      },
      authorizePublish: (client, packet, done) => {
        const principal = client ? principals.get(client) : undefined;
        if (!principal || !mayPublish(principal, packet.topic)) {
          counters.refusedPublishes++;
          log.warn('broker refused publish', { clientId: client?.id, topic: packet.topic.slice(0, 200) });
          // An error makes aedes close the connection: a device that writes outside its own
          // prefix is misbehaving, and MQTT 3.1.1 has no negative PUBACK to tell it otherwise.
          return done(new Error('publish not allowed'));
        }
        if (principal.kind !== 'device' || !options.onDevicePublish) return done(null);
        options.onDevicePublish(packet.topic, packet.payload as Buffer).then(
          () => done(null),
          (err: Error) => {
            log.error('device message not stored; connection closed unacknowledged', { topic: packet.topic.slice(0, 200), error: err.message });
            done(err);
          },
        );
      },
      authorizeSubscribe: (client, sub, done) => {
        const principal = principals.get(client);
        if (!principal || !maySubscribe(principal, sub.topic)) {
          counters.refusedSubscriptions++;
          log.warn('broker refused subscription', { clientId: client.id, filter: sub.topic.slice(0, 200) });
          return done(null, null); // SUBACK 0x80 for this filter, connection kept
        }
        done(null, sub);
      },
    });
    const server = createServer(aedes.handle);
    aedes.on('clientError', (client, err) => log.debug('broker client error', { clientId: client.id, error: err.message }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
    return new EmbeddedBroker(aedes, server, (server.address() as AddressInfo).port, counters);
  }

  /** Drops a device's connection, e.g. after its secret was rotated or it was removed. */
  disconnectDevice(ref: DeviceRef): void {
    const client = (this.aedes as unknown as { clients: Record<string, Client | undefined> }).clients[brokerUsername(ref)];
    client?.close();
  }

  async close(): Promise<void> {
    // aedes first: it disconnects the clients, which lets the server's close complete.
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
