// Media plane benchmark: concurrent SIP-to-SIP calls through mediasoup at rising counts,
// each call two PlainTransport legs bridged on its own router, in two modes run back to back:
// "bridged" (the reference: forwarding plus the DTMF tap into Node every call has) and
// "recorded" (the same plus the stereo recorder writing WAV files). RTP comes from a Node load
// generator in a child process (media-load.ts) that plays both gateways of every call.
// For each step: RTP loss and jitter as the gateways see them, packets the engine's taps
// (DTMF/recorder input) saw and lost, packets the recorder got too late, recorded duration
// against call duration, CPU (cores) of Node, the workers and the generator, and memory.
// Usage: npx tsx scripts/bench/media.ts [--calls 50,100,250,500,750] [--seconds 10]
//        [--modes bridged,recorded] [--workers 2] [--dir /data/bench] [--priority]
// --priority (root) raises this session's scheduler autogroup to nice -10 for the run, as an
// appliance gives its media processes priority; on a box shared with other work (the kernel's
// autogroups share the CPU per session, so plain `nice` does not help) the figures are
// otherwise those of whatever CPU share is left.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MediaEngine } from '../../appliance/media/media-engine.ts';
import type { MediaSession } from '../../appliance/media/media-session.ts';
import { RECORDING_MIGRATIONS, type RecordingRow } from '../../appliance/media/recording-store.ts';
import { BatchWriter } from '../../appliance/store/batch-writer.ts';
import { closeDatabase, openDatabase } from '../../appliance/store/sqlite-database.ts';
import { ULAW_TO_LINEAR } from '../../appliance/media/g711.ts';
import { parseWav } from '../../appliance/media/wav.ts';
import { benchFrame } from './media-frames.ts';
import type { LoadLeg, LoadReply, LoadRequest, LoadResult } from './media-load.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const counts = arg('calls', '50,100,250,500,750').split(',').map(Number);
const seconds = Number(arg('seconds', '10'));
const modes = arg('modes', 'bridged,recorded').split(',') as ('bridged' | 'recorded')[];
const workers = Number(arg('workers', '2'));
const baseDir = arg('dir', tmpdir());
const here = new URL('.', import.meta.url).pathname;
const priority = process.argv.includes('--priority');

/** Sets the nice value of this session's autogroup; returns the previous one. */
function setAutogroupNice(nice: number): number | undefined {
  try {
    const previous = Number(/nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1]);
    writeFileSync('/proc/self/autogroup', String(nice));
    return previous;
  } catch (error) {
    console.error(`--priority: cannot set the autogroup's nice value (${(error as Error).message})`);
    return undefined;
  }
}

/** CPU seconds (user + system) of a process from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** The generator child and a request/response call over its IPC channel. */
function startGenerator() {
  const child = fork(join(here, 'media-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (req: LoadRequest) => new Promise<LoadReply>((resolve, reject) => {
    const died = (code: number | null) => reject(new Error(`load generator exited ${code}`));
    child.once('exit', died);
    child.once('message', (m) => {
      child.off('exit', died);
      resolve(m as LoadReply);
    });
    child.send(req);
  });
  return { child, ask };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

/**
 * Frames of a leg found whole in its recording channel (the generator sends one frame, the
 * benchFrame of the leg's SSRC, over and over): counted where they are, so a recorder that
 * resynchronised (audio moved later by a stall) still shows every frame it kept.
 */
function framesInRecording(path: string, channel: 0 | 1, ssrc: number): number {
  const wav = parseWav(readFileSync(path));
  const pcm = new Int16Array(new Uint8Array(wav.data).slice().buffer);
  const samples = Int16Array.from({ length: pcm.length / 2 }, (_, i) => pcm[2 * i + channel]!);
  const frame = Int16Array.from(benchFrame(ssrc), (b) => ULAW_TO_LINEAR[b]!);
  let found = 0;
  for (let i = 0; i + 160 <= samples.length;) {
    if (frame.every((v, k) => samples[i + k] === v)) {
      found += 1;
      i += 160;
    } else i += 1;
  }
  return found;
}

interface Step {
  mode: string;
  calls: number;
  setupMs: number;
  load: LoadResult;
  tapReceived: number;
  tapLost: number;
  recorderLate: number;
  recorderResyncs: number;
  /** Recordings checked sample by sample, and frames found in them / frames sent to them. */
  checked: number;
  framesFound: number;
  framesSent: number;
  nodeCores: number;
  /** Share of the node process's CPU spent in the kernel (pipe reads from the workers, file writes). */
  nodeSystemShare: number;
  workerCores: number;
  loopP99Ms: number;
  /** Seconds over which the cores were measured (the run and its drain). */
  wall: number;
  loopMaxMs: number;
  nodeRssMb: number;
  workersRssMb: number;
}

async function step(engine: MediaEngine, gen: ReturnType<typeof startGenerator>, mode: 'bridged' | 'recorded', calls: number): Promise<Step> {
  const socketCount = Math.max(1, Math.ceil((2 * calls) / 64));
  const opened = await gen.ask({ open: socketCount });
  if (!('ports' in opened)) throw new Error(`generator: ${JSON.stringify(opened)}`);
  const t0 = performance.now();
  const legs: LoadLeg[] = [];
  const ssrcOf = new Map<string, [number, number]>();
  const sessions = await pool(Array.from({ length: calls }, (_, i) => i), 16, async (i) => {
    const session = await engine.createSession(`${mode}-${calls}-${i}`);
    const ssrcs: [number, number] = [(Math.random() * 2 ** 32) >>> 0, (Math.random() * 2 ** 32) >>> 0];
    ssrcOf.set(session.id, ssrcs);
    for (const [k, legId] of (['caller', 'agent'] as const).entries()) {
      const socket = (2 * i + k) % socketCount;
      const local = await session.addSipLeg(legId);
      await session.updateSipLeg(legId, { remoteIp: '127.0.0.1', remotePort: opened.ports[socket]!, codec: 'PCMU', payloadType: 0, telephoneEvent: 101, direction: 'sendrecv' });
      legs.push({ socket, port: local.port, ssrc: ssrcs[k]! });
    }
    await session.bridge('caller', 'agent');
    if (mode === 'recorded') await session.startRecording({ caller: 'caller', agent: 'agent' });
    return session;
  });
  const setupMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));

  const pids = engine.pool.pids;
  const workerCpu0 = pids.reduce<number>((a, p) => a + cpuSeconds(p), 0);
  const nodeCpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const reply = await gen.ask({ run: legs, seconds, ip: '127.0.0.1' });
  loop.disable();
  if (!('result' in reply)) throw new Error(`generator: ${JSON.stringify(reply)}`);
  const wall = (performance.now() - wall0) / 1000;
  const nodeCpu = process.cpuUsage(nodeCpu0);
  const workerCores = (pids.reduce<number>((a, p) => a + cpuSeconds(p), 0) - workerCpu0) / wall;
  const nodeRss = process.memoryUsage().rss / 2 ** 20;
  const workersRss = pids.reduce<number>((a, p) => a + rssMb(p), 0);

  let tapReceived = 0;
  let tapLost = 0;
  let recorderLate = 0;
  let recorderResyncs = 0;
  for (const s of sessions) {
    for (const legId of s.legIds) {
      const r = s.receiveStats(legId);
      tapReceived += r.received;
      tapLost += r.lost;
    }
    recorderLate += s.recordingStats?.late ?? 0;
    recorderResyncs += s.recordingStats?.resyncs ?? 0;
  }
  const rows: RecordingRow[] = [];
  await pool(sessions, 32, async (s: MediaSession) => {
    rows.push(...await s.stopRecording());
    await s.close();
  });
  // content of a sample of recordings (up to 20, spread over the step's calls)
  const sample = rows.filter((_, i) => i % Math.max(1, Math.floor(rows.length / 20)) === 0).slice(0, 20);
  let framesFound = 0;
  for (const row of sample) {
    const [callerSsrc, agentSsrc] = ssrcOf.get(row.callId)!;
    const path = join(engine.config.recording.dir, row.path);
    framesFound += framesInRecording(path, 0, callerSsrc) + framesInRecording(path, 1, agentSsrc);
  }
  for (const row of rows) rmSync(join(engine.config.recording.dir, row.path), { force: true });
  return {
    mode, calls, setupMs, load: reply.result, tapReceived, tapLost, recorderLate, recorderResyncs,
    checked: sample.length, framesFound, framesSent: sample.length * 2 * Math.round(seconds * 50),
    nodeCores: (nodeCpu.user + nodeCpu.system) / 1e6 / wall, nodeSystemShare: nodeCpu.system / (nodeCpu.user + nodeCpu.system), workerCores,
    wall, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, nodeRssMb: nodeRss, workersRssMb: workersRss,
  };
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(): Promise<void> {
  const previousNice = priority ? setAutogroupNice(-10) : undefined;
  const dir = mkdtempSync(join(baseDir, 'media-bench-'));
  const db = openDatabase(join(dir, 'appliance.db'), { migrations: RECORDING_MIGRATIONS });
  const writer = new BatchWriter(db, { maxDelayMs: 5 });
  const engine = await MediaEngine.start({
    config: {
      listenIp: '127.0.0.1', workers, sipPorts: { min: 50000, max: 59999 }, webrtcPorts: { min: 40000, max: 49999 },
      promptDir: join(dir, 'prompts'), ttsCacheDir: join(dir, 'tts'),
      recording: { dir: join(dir, 'recordings'), layouts: ['stereo'] },
    },
    db, writer,
  });
  engine.on('warning', (e) => console.error(`warning: ${e.message}`));
  const gen = startGenerator();
  console.log(`media benchmark: ${workers} mediasoup workers, ${cpus().length} cores, ${seconds} s of RTP per step, load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}${priority ? ', autogroup nice -10' : ''}`);
  console.log('mode      calls  setup s   sent pkts  recv pkts   lost  jitter ms mean/max  tap recv   tap lost  rec late/resync  frames in recordings  node cores  workers cores  gen cores  loop p99/max ms  node MB  workers MB');
  const results: Step[] = [];
  try {
    for (const calls of counts) {
      for (const mode of modes) {
        const r = await step(engine, gen, mode, calls);
        results.push(r);
        const l = r.load;
        console.log([
          mode.padEnd(9), String(calls).padStart(5), fmt(r.setupMs / 1000).padStart(8), String(l.sent).padStart(11), String(l.received).padStart(10),
          String(l.sent - l.received).padStart(6), `${fmt(l.jitterMeanMs, 2)}/${fmt(l.jitterMaxMs, 2)}`.padStart(20), String(r.tapReceived).padStart(10),
          String(r.tapLost).padStart(10), `${r.recorderLate}/${r.recorderResyncs}`.padStart(15), (r.checked ? `${r.framesFound}/${r.framesSent}` : '-').padStart(20), fmt(r.nodeCores, 2).padStart(11),
          fmt(r.workerCores, 2).padStart(14), fmt(l.cpuSeconds / l.wallSeconds, 2).padStart(10), `${fmt(r.loopP99Ms, 0)}/${fmt(r.loopMaxMs, 0)}`.padStart(15),
          fmt(r.nodeRssMb, 0).padStart(8), fmt(r.workersRssMb, 0).padStart(11),
        ].join(' '));
        // CPU per RTP packet entering the engine: comparable across runs on a busy machine
        const us = (cores: number) => fmt((cores * r.wall * 1e6) / l.sent, 1);
        console.log(`          CPU per packet in: node ${us(r.nodeCores)} µs (${fmt(100 * r.nodeSystemShare, 0)}% in the kernel), workers ${us(r.workerCores)} µs`);
        if (l.sendLagMaxMs > 20) console.log(`          (generator timer late by up to ${fmt(l.sendLagMaxMs)} ms: frames went out in bursts)`);
      }
    }
  } finally {
    gen.child.disconnect();
    await engine.close();
    await writer.close();
    closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
    if (previousNice !== undefined) setAutogroupNice(previousNice);
  }
  const recorded = results.filter((r) => r.mode === 'recorded' && r.load.sent === r.load.received && r.tapLost === 0 && r.recorderLate === 0 && r.recorderResyncs === 0 && r.framesFound === r.framesSent);
  const best = recorded.reduce((a, r) => Math.max(a, r.calls), 0);
  console.log(`\nlargest step of recorded calls with no packet lost (gateways, taps) none late at the recorder, every frame in the checked recordings: ${best || 'none'} (target 500)`);
}

await main();
