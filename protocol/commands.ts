import { z } from 'zod';

/**
 * The remote commands an appliance answers, with their arguments, results and the console
 * role needed to send them. Request and response envelopes are `CommandRequest` and
 * `CommandResponse` (schemas.ts); this table is what goes inside them.
 */
export type CommandRole = 'viewer' | 'operator' | 'admin';

export interface CommandSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly args: A;
  readonly result: R;
  readonly role: CommandRole;
  readonly about: string;
  /** How long the fleet waits for the reply by default. */
  readonly timeoutMs: number;
}

function command<A extends z.ZodType, R extends z.ZodType>(s: CommandSpec<A, R>): CommandSpec<A, R> {
  return s;
}

export const RESTARTABLE_SERVICES = ['appliance', 'fleet-link', 'sip', 'media', 'ivr', 'acd'] as const;
export const LogLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);

export const CallSummary = z.object({
  id: z.string().max(128),
  direction: z.enum(['inbound', 'outbound', 'internal']),
  from: z.string().max(128),
  to: z.string().max(128),
  state: z.string().max(32),
  startedAt: z.number().int().nonnegative(),
  queue: z.string().max(64).optional(),
  agent: z.string().max(64).optional(),
});

export const commandCatalog = {
  ping: command({
    args: z.strictObject({}),
    result: z.object({ pong: z.literal(true), bootId: z.string(), uptimeS: z.number() }),
    role: 'viewer',
    about: 'round trip to the appliance',
    timeoutMs: 5000,
  }),
  'service.restart': command({
    args: z.strictObject({ service: z.enum(RESTARTABLE_SERVICES) }),
    result: z.object({ service: z.string(), restarting: z.literal(true) }),
    role: 'admin',
    about: 'restart one module, or the whole appliance process (systemd starts it again)',
    timeoutMs: 15_000,
  }),
  'prompts.reload': command({
    args: z.strictObject({}),
    result: z.object({ prompts: z.number().int().nonnegative(), languages: z.array(z.string()) }),
    role: 'operator',
    about: 're-read the prompt files from the data partition',
    timeoutMs: 15_000,
  }),
  'diagnostics.collect': command({
    args: z.strictObject({ logLines: z.number().int().min(0).max(2000).default(500) }),
    result: z.object({
      file: z.string(),
      bytes: z.number().int().nonnegative(),
      sha256: z.string(),
      /** The gzipped JSON bundle, base64, when small enough to travel in the reply. */
      contentBase64: z.string().optional(),
    }),
    role: 'operator',
    about: 'write a diagnostics bundle (versions, health, redacted configuration, recent log) and return it',
    timeoutMs: 30_000,
  }),
  'log.set-level': command({
    args: z.strictObject({
      level: LogLevelSchema,
      /** Back to the configured level after this long; 0 keeps it until the next restart. */
      forS: z.number().int().min(0).max(86_400).default(3600),
    }),
    result: z.object({ level: LogLevelSchema, previous: LogLevelSchema, until: z.number().int().nonnegative().optional() }),
    role: 'operator',
    about: 'change the log level for a while',
    timeoutMs: 5000,
  }),
  'calls.list': command({
    args: z.strictObject({}),
    result: z.object({ calls: z.array(CallSummary).max(2000) }),
    role: 'viewer',
    about: 'the calls in progress',
    timeoutMs: 5000,
  }),
  'config.rollback': command({
    args: z.strictObject({}),
    result: z.object({ version: z.number().int().nonnegative(), hash: z.string() }),
    role: 'admin',
    about: 'go back to the previous configuration the appliance kept (reported as drift)',
    timeoutMs: 15_000,
  }),
} as const;

export type CommandName = keyof typeof commandCatalog;
export const commandNames = Object.keys(commandCatalog) as CommandName[];
export type CommandArgs<N extends CommandName> = z.input<(typeof commandCatalog)[N]['args']>;
export type CommandResult<N extends CommandName> = z.infer<(typeof commandCatalog)[N]['result']>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commandCatalog, name);
}
