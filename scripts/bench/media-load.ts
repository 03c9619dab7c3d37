// RTP load generator for the media benchmark (scripts/bench/media.ts), run as a child process
// so its CPU is not the engine's. It plays many gateways at once: each leg sends μ-law frames
// on a 20 ms clock from one of a few sockets (legs spread uniformly over the 20 ms period,
// as unsynchronised phones would), and every RTP stream that comes back is measured by SSRC:
// packets, loss from sequence numbers, and interarrival jitter (RFC 3550 §6.4.1, A.8).
// Protocol over the IPC channel: {open: sockets} -> {ports}; {run: legs, seconds} -> result.
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { benchFrame } from './media-frames.ts';

export interface LoadLeg {
  /** Index of the generator socket the leg sends from (and the engine sends back to). */
  socket: number;
  /** The engine's RTP port for this leg. */
  port: number;
  ssrc: number;
}

export type LoadRequest = { open: number } | { run: LoadLeg[]; seconds: number; ip: string };

export interface LoadResult {
  sent: number;
  received: number;
  /** Streams that came back (one per leg that hears someone). */
  streams: number;
  /** Missing sequence numbers summed over streams. */
  lost: number;
  duplicates: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
  rtcp: number;
  /** Worst lateness of the send timer: above 20 ms, frames went out in a burst. */
  sendLagMaxMs: number;
  cpuSeconds: number;
  wallSeconds: number;
  rssMb: number;
}

export type LoadReply = { ports: number[] } | { result: LoadResult } | { error: string };

interface Stream {
  base: number;
  maxExt: number;
  received: number;
  duplicates: number;
  lastSeq: number;
  transit: number;
  jitter: number;
}

const sockets: dgram.Socket[] = [];
const rtcpSockets: dgram.Socket[] = [];
const streams = new Map<number, Stream>();
let rtcp = 0;

function onRtp(msg: Buffer): void {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
  const pt = msg[1]! & 0x7f;
  if (pt >= 72 && pt <= 79) return; // RTCP on the RTP port (RFC 5761 §4)
  const seq = msg.readUInt16BE(2);
  const ts = msg.readUInt32BE(4);
  const ssrc = msg.readUInt32BE(8);
  const arrival = performance.now() * 8; // in 8 kHz timestamp units
  let s = streams.get(ssrc);
  if (!s) {
    s = { base: seq, maxExt: seq, received: 0, duplicates: 0, lastSeq: seq, transit: arrival - ts, jitter: 0 };
    streams.set(ssrc, s);
  }
  // extend the 16-bit sequence number around the current maximum (RFC 3550 A.1)
  const cycles = s.maxExt - (s.maxExt & 0xffff);
  let ext = cycles + seq;
  if (ext - s.maxExt > 0x8000) ext -= 0x10000;
  else if (s.maxExt - ext > 0x8000) ext += 0x10000;
  if (ext > s.maxExt) s.maxExt = ext;
  if (seq === s.lastSeq && s.received > 0) s.duplicates += 1;
  s.lastSeq = seq;
  s.received += 1;
  const transit = arrival - ts;
  const d = Math.abs(transit - s.transit);
  s.transit = transit;
  s.jitter += (d - s.jitter) / 16;
}

async function bindPair(): Promise<[dgram.Socket, dgram.Socket]> {
  for (;;) {
    const rtpSock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      rtpSock.once('error', reject);
      rtpSock.bind(0, '127.0.0.1', () => resolve());
    });
    const port = rtpSock.address().port;
    if (port % 2 === 0 && port < 65535) {
      const rtcpSock = dgram.createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        rtcpSock.once('error', () => resolve(false));
        rtcpSock.bind(port + 1, '127.0.0.1', () => resolve(true));
      });
      if (ok) return [rtpSock, rtcpSock];
      rtcpSock.close();
    }
    rtpSock.close();
  }
}

async function open(count: number): Promise<number[]> {
  for (const s of [...sockets, ...rtcpSockets]) s.close();
  sockets.length = 0;
  rtcpSockets.length = 0;
  for (let i = 0; i < count; i++) {
    const [rtpSock, rtcpSock] = await bindPair();
    rtpSock.on('message', onRtp);
    rtcpSock.on('message', () => { rtcp += 1; });
    sockets.push(rtpSock);
    rtcpSockets.push(rtcpSock);
  }
  return sockets.map((s) => s.address().port);
}

async function run(legs: LoadLeg[], seconds: number, ip: string): Promise<LoadResult> {
  streams.clear();
  rtcp = 0;
  const frames = Math.round(seconds * 50);
  const payloads = legs.map((leg) => benchFrame(leg.ssrc));
  const seqs = legs.map(() => Math.floor(Math.random() * 0xffff));
  const tss = legs.map(() => Math.floor(Math.random() * 0xffffffff));
  const sentFrames = new Int32Array(legs.length);
  const cpu0 = process.cpuUsage();
  const start = performance.now() + 5;
  // leg i's first frame is due at start + phase(i): uniform over the 20 ms period
  const phase = legs.map((_, i) => (20 * i) / legs.length);
  let sent = 0;
  let lagMax = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      let done = true;
      for (let i = 0; i < legs.length; i++) {
        const leg = legs[i]!;
        for (;;) {
          const k = sentFrames[i]!;
          if (k >= frames) break;
          const due = start + phase[i]! + 20 * k;
          if (due > now) break;
          lagMax = Math.max(lagMax, now - due);
          const packet = Buffer.allocUnsafe(172);
          packet[0] = 0x80;
          packet[1] = k === 0 ? 0x80 : 0x00; // marker on the first packet, PCMU
          packet.writeUInt16BE(seqs[i]!, 2);
          packet.writeUInt32BE(tss[i]!, 4);
          packet.writeUInt32BE(leg.ssrc, 8);
          payloads[i]!.copy(packet, 12);
          seqs[i] = (seqs[i]! + 1) & 0xffff;
          tss[i] = (tss[i]! + 160) >>> 0;
          sockets[leg.socket]!.send(packet, leg.port, ip);
          sentFrames[i] = k + 1;
          sent += 1;
        }
        if (sentFrames[i]! < frames) done = false;
      }
      if (done) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const wall = (performance.now() - start) / 1000;
  // what is still in flight (engine latency is a few ms; 500 ms is generous)
  await new Promise((r) => setTimeout(r, 500));
  const cpu = process.cpuUsage(cpu0);
  let received = 0;
  let lost = 0;
  let duplicates = 0;
  let jitterSum = 0;
  let jitterMax = 0;
  for (const s of streams.values()) {
    received += s.received;
    duplicates += s.duplicates;
    lost += Math.max(0, s.maxExt - s.base + 1 - (s.received - s.duplicates));
    const j = s.jitter / 8;
    jitterSum += j;
    jitterMax = Math.max(jitterMax, j);
  }
  return {
    sent, received, streams: streams.size, lost, duplicates, rtcp,
    jitterMeanMs: streams.size ? jitterSum / streams.size : 0, jitterMaxMs: jitterMax,
    sendLagMaxMs: lagMax, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: wall,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
}

process.on('message', (m: LoadRequest) => {
  const reply = (r: LoadReply) => process.send!(r);
  const work = 'open' in m ? open(m.open).then((ports) => ({ ports })) : run(m.run, m.seconds, m.ip).then((result) => ({ result }));
  work.then(reply, (error: Error) => reply({ error: error.message }));
});
process.on('disconnect', () => process.exit(0));
