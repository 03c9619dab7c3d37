// SIP over UDP (RFC 3261 §18): one message per datagram.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Endpoint, SipTransportPort } from '../core/transport-port.ts';

export interface UdpTransportOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Address written into Via/Contact when it differs from the bind address. */
  advertisedHost?: string;
  onMessage(data: Buffer, source: Endpoint): void;
}

export class UdpTransport implements SipTransportPort {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  host: string;
  port = 0;
  private constructor(private readonly socket: Socket, options: UdpTransportOptions) {
    this.host = options.advertisedHost ?? options.host;
  }

  static async open(options: UdpTransportOptions): Promise<UdpTransport> {
    const socket = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    const t = new UdpTransport(socket, options);
    socket.on('message', (data, rinfo) => {
      try {
        options.onMessage(data, { protocol: 'UDP', host: rinfo.address, port: rinfo.port });
      } catch (err) {
        // a handler bug must not take the socket down; the stack itself never throws on input
        console.error('sip udp: handler failed', err);
      }
    });
    socket.on('error', (err) => console.error('sip udp socket error', err.message));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    t.port = socket.address().port;
    return t;
  }

  send(data: Buffer, to: Endpoint, onError?: (error: Error) => void): void {
    // no DNS here (RFC 3263 is not implemented): peers are IP literals, never a lookup per message
    if (!isIP(to.host)) return onError?.(new Error(`not an IP address: ${to.host}`));
    this.socket.send(data, to.port, to.host, (err) => {
      if (err) onError?.(err);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
