// SIP over TCP (RFC 3261 §18.3): streams framed by Content-Length; responses go back on the
// connection the request came on, and requests to a peer reuse an open connection to it.
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { StreamFramer } from '../core/stream-framer.ts';
import { endpointKey, type Endpoint, type SipTransportPort } from '../core/transport-port.ts';

export interface TcpTransportOptions {
  host: string;
  port: number;
  advertisedHost?: string;
  maxMessageSize?: number;
  /** Idle connections are closed after this long (keeps a flood of sockets bounded). */
  idleTimeoutMs?: number;
  onMessage(data: Buffer, source: Endpoint): void;
}

export class TcpTransport implements SipTransportPort {
  readonly protocol = 'TCP' as const;
  readonly reliable = true;
  host: string;
  port = 0;
  private readonly byId = new Map<string, Socket>();
  private readonly byPeer = new Map<string, Socket>();
  private seq = 0;

  private constructor(private readonly server: Server, private readonly options: TcpTransportOptions) {
    this.host = options.advertisedHost ?? options.host;
  }

  static async open(options: TcpTransportOptions): Promise<TcpTransport> {
    let t: TcpTransport | undefined;
    const server = createServer((socket) => t?.adopt(socket));
    t = new TcpTransport(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') t.port = addr.port;
    return t;
  }

  private adopt(socket: Socket): string {
    const id = `tcp-${++this.seq}`;
    const peer: Endpoint = { protocol: 'TCP', host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, connectionId: id };
    const framer = new StreamFramer(this.options.maxMessageSize);
    this.byId.set(id, socket);
    this.byPeer.set(endpointKey(peer), socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs ?? 300_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      const out = framer.push(chunk);
      if (out.pings) socket.write('\r\n'); // RFC 5626 §4.4.1 pong
      for (const m of out.messages) {
        try {
          this.options.onMessage(m, peer);
        } catch (err) {
          console.error('sip tcp: handler failed', err);
        }
      }
      if (out.error) socket.destroy(); // cannot re-synchronise a stream after a framing error
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.byId.delete(id);
      if (this.byPeer.get(endpointKey(peer)) === socket) this.byPeer.delete(endpointKey(peer));
    });
    return id;
  }

  send(data: Buffer, to: Endpoint, onError?: (error: Error) => void): void {
    let socket = (to.connectionId && this.byId.get(to.connectionId)) || this.byPeer.get(endpointKey(to));
    if (!socket) {
      if (!isIP(to.host)) return onError?.(new Error(`not an IP address: ${to.host}`));
      socket = connect({ host: to.host, port: to.port });
      const s = socket;
      const key = endpointKey(to);
      const forget = () => {
        if (this.byPeer.get(key) === s) this.byPeer.delete(key); // a failed connect must not block later ones
      };
      s.once('error', (err) => {
        forget();
        onError?.(err);
      });
      s.once('close', forget);
      s.once('connect', () => {
        this.byPeer.delete(endpointKey({ ...to }));
        this.adopt(s);
        this.byPeer.set(endpointKey({ protocol: 'TCP', host: to.host, port: to.port }), s);
      });
      this.byPeer.set(endpointKey(to), s);
    }
    if (socket.destroyed) return onError?.(new Error('connection closed'));
    socket.write(data);
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  async close(): Promise<void> {
    for (const s of this.byId.values()) s.destroy();
    for (const s of this.byPeer.values()) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
