// SIP signalling benchmark: SIPp's built-in uac (INVITE, 100/180/200, ACK, BYE, 200) against
// the appliance's stack, at rising call rates, and against kirm/sip as a reference in the same
// run when it is installed (see sip-reference-uas.ts). For each rate: successful and failed
// calls, achieved rate, and the INVITE→200 response-time distribution from SIPp's RTD file.
// Usage: npx tsx scripts/bench/sip-bench.ts [--rates 250,500,...] [--seconds 5] [--no-reference]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const rates = arg('rates', '250,500,750,1000,1250,1500,2000,2500,3000').split(',').map(Number);
const seconds = Number(arg('seconds', '5'));
const here = new URL('.', import.meta.url).pathname;
const referenceDir = process.env.SIP_REFERENCE_DIR ?? '/tmp/sip-reference';
const withReference = !process.argv.includes('--no-reference') && existsSync(join(referenceDir, 'node_modules/sip/sip.js'));

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function startTarget(script: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, script), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${script} did not start`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('READY')) { clearTimeout(t); resolve(); } });
    child.once('exit', (c) => reject(new Error(`${script} exited ${c}`)));
  });
  return { child, port };
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface RunFigures {
  /** Cores the target used while SIPp ran, and cores SIPp itself used. */
  targetCpu: number;
  sippCpu: number;
  rate: number;
  ok: number;
  failed: number;
  achieved: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runSipp(port: number, rate: number, targetPid: number | undefined): Promise<RunFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-bench-'));
  const calls = rate * seconds;
  const local = await freePort();
  const started = Date.now();
  const targetBefore = cpuSeconds(targetPid);
  let sippCpu = NaN;
  const out = await new Promise<string>((resolve) => {
    const child = spawn('sipp', [`127.0.0.1:${port}`, '-sn', 'uac', '-i', '127.0.0.1', '-p', String(local), '-r', String(rate), '-m', String(calls),
      '-l', String(rate * 4), '-nostdin', '-trace_rtt', '-rtt_freq', '1', '-timeout', `${seconds * 4 + 20}s`, '-max_socket', '1000', '-recv_timeout', '10000'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let s = '';
    child.stdout.on('data', (d) => (s += d));
    child.stderr.on('data', (d) => (s += d));
    // sample SIPp's own CPU just before it exits (its /proc entry goes with it)
    let last = 0;
    const sampler = setInterval(() => { const v = cpuSeconds(child.pid); if (Number.isFinite(v)) last = v; }, 200);
    child.on('close', () => { clearInterval(sampler); sippCpu = last; resolve(s); });
  });
  const elapsed = (Date.now() - started) / 1000;
  const targetCpu = (cpuSeconds(targetPid) - targetBefore) / elapsed;
  const stat = (label: string) => Number(new RegExp(`${label}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`).exec(out)?.[1] ?? -1);
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const rtts: number[] = [];
  if (rttFile) {
    for (const line of readFileSync(join(dir, rttFile), 'utf8').split('\n').slice(1)) {
      const v = Number(line.split(';')[1]); // Date_ms;response_time_ms;rtd_no (whole milliseconds)
      if (Number.isFinite(v) && line.trim()) rtts.push(v);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  rtts.sort((a, b) => a - b);
  const ok = stat('Successful call');
  return { targetCpu, sippCpu: sippCpu / elapsed, rate, ok, failed: stat('Failed call'), achieved: Math.round(ok / elapsed), p50: percentile(rtts, 50), p90: percentile(rtts, 90), p99: percentile(rtts, 99), max: rtts.at(-1) ?? NaN };
}

async function bench(name: string, script: string): Promise<RunFigures[]> {
  const target = await startTarget(script);
  const results: RunFigures[] = [];
  try {
    for (const rate of rates) {
      const r = await runSipp(target.port, rate, target.child.pid);
      results.push(r);
      console.log(`${name.padEnd(10)} rate ${String(rate).padStart(5)}/s: ok ${r.ok} failed ${r.failed} achieved ${r.achieved}/s  INVITE→200 ms p50 ${r.p50.toFixed(2)} p90 ${r.p90.toFixed(2)} p99 ${r.p99.toFixed(2)} max ${r.max.toFixed(2)}  CPU target ${r.targetCpu.toFixed(2)} SIPp ${r.sippCpu.toFixed(2)} cores`);
      if (r.failed !== 0 || r.ok <= 0 || r.achieved < rate * 0.95) break; // past the knee: stop rising
    }
  } finally {
    target.child.kill('SIGTERM');
  }
  return results;
}

// sustained: every call succeeded and the offered rate was actually reached (within 5%)
const best = (rs: RunFigures[]) => rs.filter((r) => r.failed === 0 && r.ok === r.rate * seconds && r.achieved >= r.rate * 0.95).at(-1);
console.log(`SIPp uac → UAS on loopback, ${seconds} s per rate, rates ${rates.join(', ')}`);
const ours = await bench('appliance', 'sip-uas-server.ts');
const ref = withReference ? await bench('kirm/sip', 'sip-reference-uas.ts') : [];
if (!withReference) console.log(`reference skipped: install it with  npm install --prefix ${referenceDir} sip@0.0.6`);
console.log('\nhighest rate with zero failed calls:');
for (const [name, rs] of [['appliance', ours], ['kirm/sip', ref]] as const) {
  const b = best(rs);
  if (rs.length) console.log(`  ${name}: ${b ? `${b.rate} calls/s (achieved ${b.achieved}/s, p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms)` : 'none'}`);
}
