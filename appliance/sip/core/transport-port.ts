// What the core needs from a transport (the adapters in ../transport implement it). An
// Endpoint names the far side; connectionId pins a reply to the stream it came on (§18.2.2).
export type TransportProtocol = 'UDP' | 'TCP' | 'WS';

export interface Endpoint {
  protocol: TransportProtocol;
  host: string;
  port: number;
  /** For stream transports: the connection a request arrived on, answered on the same one. */
  connectionId?: string;
}

export interface SipTransportPort {
  readonly protocol: TransportProtocol;
  /** Reliable transports need no retransmissions (§17.1.1.2). */
  readonly reliable: boolean;
  /** The address written into Via sent-by and Contact. */
  readonly host: string;
  readonly port: number;
  /** Sends bytes; failures are reported through onError (§18.4) and never thrown. */
  send(data: Buffer, to: Endpoint, onError?: (error: Error) => void): void;
}

export function endpointKey(e: Endpoint): string {
  return `${e.protocol}:${e.host}:${e.port}`;
}
