// Edge composition: opens the configured transports, wires them to a SipStack running on the
// real clock, and closes everything on shutdown.
import { SipStack } from './core/sip-stack.ts';
import type { TimerValues } from './core/transaction-table.ts';
import type { Endpoint, SipTransportPort } from './core/transport-port.ts';
import { systemClock } from './transport/system-clock.ts';
import { TcpTransport } from './transport/tcp-transport.ts';
import { UdpTransport } from './transport/udp-transport.ts';
import { WsTransport } from './transport/ws-transport.ts';

export interface SipServerOptions {
  host: string;
  /** undefined: transport off; 0: any free port. */
  udpPort?: number;
  tcpPort?: number;
  wsPort?: number;
  advertisedHost?: string;
  userAgent?: string;
  timers?: Partial<TimerValues>;
  maxMessageSize?: number;
  /** Drops outgoing messages to peers it refuses (tests keep all traffic on loopback). */
  sendFilter?: (to: Endpoint) => boolean;
}

export class SipServer {
  private constructor(
    readonly stack: SipStack,
    readonly udp: UdpTransport | undefined,
    readonly tcp: TcpTransport | undefined,
    readonly ws: WsTransport | undefined,
  ) {}

  static async start(options: SipServerOptions): Promise<SipServer> {
    let stack: SipStack | undefined;
    const onMessage = (data: Buffer, source: Endpoint) => stack?.receive(data, source);
    const base = { host: options.host, advertisedHost: options.advertisedHost, maxMessageSize: options.maxMessageSize, onMessage };
    const udp = options.udpPort !== undefined ? await UdpTransport.open({ ...base, port: options.udpPort }) : undefined;
    const tcp = options.tcpPort !== undefined ? await TcpTransport.open({ ...base, port: options.tcpPort }) : undefined;
    const ws = options.wsPort !== undefined ? await WsTransport.open({ ...base, port: options.wsPort }) : undefined;
    let transports = [udp, tcp, ws].filter((t): t is NonNullable<typeof t> => t !== undefined) as SipTransportPort[];
    const filter = options.sendFilter;
    if (filter) {
      transports = transports.map((t) => ({
        protocol: t.protocol, reliable: t.reliable, host: t.host, port: t.port,
        send: (data, to, onError) => (filter(to) ? t.send(data, to, onError) : onError?.(new Error(`sending to ${to.host} refused`))),
      }));
    }
    stack = new SipStack({
      clock: systemClock, transports, timers: options.timers, userAgent: options.userAgent, maxMessageSize: options.maxMessageSize,
    });
    return new SipServer(stack, udp, tcp, ws);
  }

  async close(): Promise<void> {
    this.stack.close();
    await Promise.all([this.udp?.close(), this.tcp?.close(), this.ws?.close()]);
  }
}
