import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, loadavg, totalmem, freemem, cpus } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { commandCatalog, type CommandName, type CommandResult } from '../../protocol/commands.ts';
import { describeIssues } from '../../protocol/decode.ts';
import type { CommandRequest } from '../../protocol/schemas.ts';
import type { ConfigTwin } from '../config-twin/config-twin.ts';
import { CommandError, type FleetLink } from './fleet-link.ts';
import type { LogControl } from './log-control.ts';

export interface RemoteCommandDeps {
  bootId: string;
  version: string;
  profile: string;
  startedAt: number;
  dataDir: string;
  logs: LogControl;
  twin: ConfigTwin;
  /** Modules that can be restarted in place, by name (see RESTARTABLE_SERVICES). */
  services: Map<string, () => Promise<void> | void>;
  /** Restarting the whole appliance: exit and let systemd start it again. */
  exitProcess: (code: number) => void;
  /** The call service's view of calls in progress, once one runs on this appliance. */
  calls?: () => CommandResult<'calls.list'>['calls'];
  /** More state for the diagnostics bundle (outbox size, link counters, terminal sessions). */
  extraDiagnostics?: () => Record<string, unknown>;
  now?: () => number;
}

type Handler<N extends CommandName> = (args: (typeof commandCatalog)[N]['args']['_output'], request: CommandRequest) => Promise<CommandResult<N>> | CommandResult<N>;

/** Where the IVR finds recorded prompts: `<dataDir>/prompts/<language>/…`. */
export const promptsDir = (dataDir: string) => join(dataDir, 'prompts');
const PROMPT_FILE = /\.(wav|ulaw|alaw|pcm)$/i;
const DIAGNOSTICS_INLINE_LIMIT = 150 * 1024;
const DIAGNOSTICS_KEEP = 5;

/**
 * The appliance's answers to the commands of `protocol/commands.ts`. Arguments are checked
 * against the catalogue before anything runs, and results against it before they are sent.
 */
export function registerRemoteCommands(link: FleetLink, deps: RemoteCommandDeps): void {
  const now = deps.now ?? Date.now;
  const handlers: { [N in CommandName]: Handler<N> } = {
    ping: () => ({ pong: true, bootId: deps.bootId, uptimeS: (now() - deps.startedAt) / 1000 }),
    'service.restart': ({ service }) => {
      if (service === 'appliance') {
        // Reply first: the process exits a moment later and systemd (Restart=always) starts it.
        setTimeout(() => deps.exitProcess(75), 200).unref();
        return { service, restarting: true };
      }
      const restart = deps.services.get(service);
      if (!restart) throw new CommandError('failed', `${service} is not running on this appliance`);
      // After the reply: restarting the fleet link would otherwise drop it.
      setTimeout(() => void Promise.resolve(restart()).catch(() => undefined), 50).unref();
      return { service, restarting: true };
    },
    'prompts.reload': () => scanPrompts(promptsDir(deps.dataDir)),
    'diagnostics.collect': ({ logLines }) => collectDiagnostics(deps, logLines, now()),
    'log.set-level': ({ level, forS }) => {
      const { previous, until } = deps.logs.setLevel(level, forS * 1000);
      return { level, previous, ...(until ? { until } : {}) };
    },
    'calls.list': () => {
      if (!deps.calls) throw new CommandError('failed', 'no call service runs on this appliance');
      return { calls: deps.calls() };
    },
    'config.rollback': async (_args, request) => {
      const result = await deps.twin.rollback(request.by ?? 'fleet');
      if (!result.ok) throw new CommandError('failed', result.issues.map((i) => i.message).join('; '));
      return { version: deps.twin.running.version, hash: deps.twin.running.hash };
    },
  };
  for (const name of Object.keys(handlers) as CommandName[]) {
    const spec = commandCatalog[name];
    const handler = handlers[name] as Handler<CommandName>;
    link.handle(name, async (request) => {
      const args = spec.args.safeParse(request.args);
      if (!args.success) throw new CommandError('bad-args', describeIssues(args.error));
      const result = await handler(args.data as never, request);
      return spec.result.parse(result);
    });
  }
}

/** Counts the prompt files per language folder. */
export function scanPrompts(dir: string): CommandResult<'prompts.reload'> {
  const languages = new Set<string>();
  let prompts = 0;
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory() && depth < 4) walk(path, depth + 1);
      else if (st.isFile() && PROMPT_FILE.test(name)) {
        prompts++;
        const lang = relative(dir, path).split('/')[0];
        if (lang && lang !== name) languages.add(lang);
      }
    }
  };
  walk(dir, 0);
  return { prompts, languages: [...languages].sort() };
}

const SECRET_KEY = /pass(word)?|secret|token|credential/i;

/** A copy with every value under a secret-looking key replaced, for bundles that leave the box. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && typeof v !== 'object' ? '***' : redactSecrets(v)]));
  }
  return value;
}

function collectDiagnostics(deps: RemoteCommandDeps, logLines: number, at: number): CommandResult<'diagnostics.collect'> {
  let disk: Record<string, number> | undefined;
  try {
    const fs = statfsSync(deps.dataDir);
    disk = { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  } catch {
    disk = undefined;
  }
  const bundle = {
    collectedAt: new Date(at).toISOString(),
    appliance: { version: deps.version, bootId: deps.bootId, profile: deps.profile, uptimeS: (at - deps.startedAt) / 1000 },
    host: { hostname: hostname(), node: process.version, platform: process.platform, cpus: cpus().length, loadavg: loadavg(), memory: { totalBytes: totalmem(), freeBytes: freemem(), processRss: process.memoryUsage().rss }, disk },
    config: { reported: deps.twin.reported(), running: redactSecrets(deps.twin.running.config) },
    log: { level: deps.logs.level, configured: deps.logs.configured, lines: deps.logs.recent(logLines) },
    ...(deps.extraDiagnostics ? { state: deps.extraDiagnostics() } : {}),
  };
  const gz = gzipSync(JSON.stringify(bundle));
  const dir = join(deps.dataDir, 'diagnostics');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `diagnostics-${new Date(at).toISOString().replace(/[:.]/g, '-')}.json.gz`);
  writeFileSync(file, gz, { mode: 0o600 });
  // Keep the newest few: bundles hold logs, and the data partition is not a log archive.
  const old = readdirSync(dir).filter((n) => n.startsWith('diagnostics-')).sort().slice(0, -DIAGNOSTICS_KEEP);
  for (const n of old) unlinkSync(join(dir, n));
  return {
    file,
    bytes: gz.length,
    sha256: createHash('sha256').update(gz).digest('hex'),
    ...(gz.length <= DIAGNOSTICS_INLINE_LIMIT ? { contentBase64: gz.toString('base64') } : {}),
  };
}
