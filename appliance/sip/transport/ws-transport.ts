// SIP over WebSocket (RFC 7118): subprotocol "sip", one SIP message per WebSocket message,
// responses on the same connection. Server side only: browsers and desk phones connect to us.
import { WebSocketServer, type WebSocket } from 'ws';
import type { Endpoint, SipTransportPort } from '../core/transport-port.ts';

export interface WsTransportOptions {
  host: string;
  port: number;
  advertisedHost?: string;
  maxMessageSize?: number;
  onMessage(data: Buffer, source: Endpoint): void;
}

export class WsTransport implements SipTransportPort {
  readonly protocol = 'WS' as const;
  readonly reliable = true;
  host: string;
  port = 0;
  private readonly connections = new Map<string, WebSocket>();
  private seq = 0;

  private constructor(private readonly server: WebSocketServer, options: WsTransportOptions) {
    this.host = options.advertisedHost ?? options.host;
  }

  static async open(options: WsTransportOptions): Promise<WsTransport> {
    const server = new WebSocketServer({
      host: options.host,
      port: options.port,
      maxPayload: options.maxMessageSize ?? 65_535,
      // RFC 7118 §4: the client must offer the "sip" subprotocol
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    const t = new WsTransport(server, options);
    server.on('connection', (ws, req) => {
      const id = `ws-${++t.seq}`;
      const peer: Endpoint = { protocol: 'WS', host: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0, connectionId: id };
      t.connections.set(id, ws);
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
        try {
          options.onMessage(buf, peer);
        } catch (err) {
          console.error('sip ws: handler failed', err);
        }
      });
      ws.on('close', () => t.connections.delete(id));
      ws.on('error', () => ws.terminate());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') t.port = addr.port;
    return t;
  }

  send(data: Buffer, to: Endpoint, onError?: (error: Error) => void): void {
    const ws = to.connectionId ? this.connections.get(to.connectionId) : undefined;
    if (!ws) return onError?.(new Error('no WebSocket connection to that peer'));
    ws.send(data.toString('utf8'), (err) => err && onError?.(err));
  }

  async close(): Promise<void> {
    for (const ws of this.connections.values()) ws.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
