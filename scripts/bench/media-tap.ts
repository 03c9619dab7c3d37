// How to bring every RTP packet of a call into Node (DTMF detection, recording, mixing):
// mediasoup's DirectTransport (the worker's payload channel: a JSON notification and the
// payload over a pipe per packet), against a PlainTransport consumer sending plain RTP to a
// Node UDP socket on loopback. Same producers, same load, one after the other in one run.
// Usage: npx tsx scripts/bench/media-tap.ts [--legs 500] [--seconds 5]
import dgram from 'node:dgram';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as mediasoup from 'mediasoup';
import type { Consumer, Producer, Router } from 'mediasoup/node/lib/types.js';
import { g711ProducerParameters, routerCodecs } from '../../appliance/media/rtp-parameters.ts';
import type { LoadLeg, LoadReply, LoadRequest } from './media-load.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const legCount = Number(arg('legs', '500'));
const seconds = Number(arg('seconds', '5'));
const here = new URL('.', import.meta.url).pathname;

function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const gen = fork(join(here, 'media-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ask = (req: LoadRequest) => new Promise<LoadReply>((resolve) => {
  gen.once('message', (m) => resolve(m as LoadReply));
  gen.send(req);
});

const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 40000, rtcMaxPort: 49999 });
const routers: Router[] = [];
const producers: Producer[] = [];
const opened = await ask({ open: Math.ceil(legCount / 64) });
if (!('ports' in opened)) throw new Error('generator did not open');
const legs: LoadLeg[] = [];
for (let i = 0; i < legCount; i++) {
  // a router per call of two legs, as the engine does
  if (i % 2 === 0) routers.push(await worker.createRouter({ mediaCodecs: routerCodecs(101) }));
  const router = routers[routers.length - 1]!;
  const socket = i % opened.ports.length;
  const t = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
  await t.connect({ ip: '127.0.0.1', port: opened.ports[socket]!, rtcpPort: opened.ports[socket]! + 1 });
  const ssrc = (Math.random() * 2 ** 32) >>> 0;
  producers.push(await t.produce({ kind: 'audio', rtpParameters: g711ProducerParameters('PCMU', 0, ssrc, 101) }));
  legs.push({ socket, port: t.tuple.localPort, ssrc });
}

async function measure(name: string, tap: () => Promise<{ consumers: Consumer[]; received: () => number; close: () => void }>) {
  const t = await tap();
  await new Promise((r) => setTimeout(r, 300));
  const node0 = process.cpuUsage();
  const worker0 = cpuSeconds(worker.pid);
  const wall0 = performance.now();
  const reply = await ask({ run: legs, seconds, ip: '127.0.0.1' });
  if (!('result' in reply)) throw new Error('generator failed');
  const wall = (performance.now() - wall0) / 1000;
  const node = process.cpuUsage(node0);
  const workerCpu = cpuSeconds(worker.pid) - worker0;
  const sent = reply.result.sent;
  console.log(`${name.padEnd(16)} received ${t.received()}/${sent}  node ${((node.user + node.system) / 1e6 / wall).toFixed(2).padStart(5)} cores ${(((node.user + node.system)) / sent).toFixed(1).padStart(5)} µs/packet   worker ${(workerCpu / wall).toFixed(2)} cores ${((workerCpu * 1e6) / sent).toFixed(1).padStart(5)} µs/packet`);
  for (const c of t.consumers) c.close();
  t.close();
}

console.log(`${legCount} legs in ${routers.length} routers on one worker, ${seconds} s of RTP (${legCount * 50} packets/s)`);
for (let round = 0; round < 2; round++) {
  await measure('DirectTransport', async () => {
    let received = 0;
    const consumers: Consumer[] = [];
    const directs = await Promise.all(routers.map((r) => r.createDirectTransport({ maxMessageSize: 1500 })));
    for (const [i, p] of producers.entries()) {
      const c = await directs[Math.floor(i / 2)]!.consume({ producerId: p.id, rtpCapabilities: routers[Math.floor(i / 2)]!.rtpCapabilities });
      c.on('rtp', (data: Buffer) => {
        if (data.length > 12) received += 1;
      });
      consumers.push(c);
    }
    return { consumers, received: () => received, close: () => directs.forEach((d) => d.close()) };
  });
  await measure('PlainTransport', async () => {
    let received = 0;
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    socket.on('message', (m) => {
      if ((m[1]! & 0x7f) < 72 || (m[1]! & 0x7f) > 79) received += 1;
    });
    const consumers: Consumer[] = [];
    const plains = await Promise.all(routers.map(async (r) => {
      const t = await r.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
      await t.connect({ ip: '127.0.0.1', port: socket.address().port });
      return t;
    }));
    for (const [i, p] of producers.entries()) {
      consumers.push(await plains[Math.floor(i / 2)]!.consume({ producerId: p.id, rtpCapabilities: routers[Math.floor(i / 2)]!.rtpCapabilities }));
    }
    return { consumers, received: () => received, close: () => { plains.forEach((t) => t.close()); socket.close(); } };
  });
}
gen.disconnect();
worker.close();
