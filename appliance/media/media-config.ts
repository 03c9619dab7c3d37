// Configuration of the media plane, validated with zod where it enters (appliance config).
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const Ip = z.union([z.ipv4(), z.ipv6()]);
const Port = z.number().int().min(1024).max(65535);
const PortRange = z
  .object({ min: Port, max: Port })
  .strict()
  .refine((r) => r.max - r.min >= 1, 'max must be above min');

export const MediaConfig = z
  .object({
    /** Address the RTP sockets bind to. */
    listenIp: Ip.default('0.0.0.0'),
    /** Address written into SDP and ICE candidates when listenIp is a wildcard or behind NAT. */
    announcedIp: Ip.optional(),
    /** mediasoup workers; one per core by default. */
    workers: z.number().int().min(1).max(64).default(() => availableParallelism()),
    /** Ports of SIP legs (PlainTransports), reserved by the appliance itself: even ports only. */
    sipPorts: PortRange.default({ min: 20000, max: 29999 }),
    /** Ports the workers pick from for WebRTC transports. */
    webrtcPorts: PortRange.default({ min: 40000, max: 49999 }),
    /**
     * 'explicit': send RTP to the address in the peer's SDP. 'comedia': send it back to where
     * the peer's RTP comes from (peers behind NAT).
     */
    sipRtpMode: z.enum(['explicit', 'comedia']).default('explicit'),
    /** Payload type of telephone-event in the routers (and so in RTP sent to SIP peers). */
    telephoneEventPayloadType: z.number().int().min(96).max(127).default(101),
    /** Where a worker that died is restarted from: wait this long first (doubling on failure). */
    workerRestartDelayMs: z.number().int().min(0).max(60_000).default(1_000),
    /**
     * Calls (media sessions) at once; beyond it new calls are refused (MediaCapacityError)
     * rather than degrading every call. Unset: no limit. The benchmark's 2-core box carried
     * 500 recorded calls cleanly and fell behind at 750 (docs/BENCHMARKS.md).
     */
    maxSessions: z.number().int().min(1).optional(),
    tonePlan: z.enum(['cn', 'us', 'eu', 'uk']).default('cn'),
    /** Recorded prompt files (relative paths in IVR flows resolve here). */
    promptDir: z.string().min(1),
    /** espeak-ng output is cached here as WAV files. */
    ttsCacheDir: z.string().min(1),
    /** espeak-ng voices by IVR language tag; the first is the default. */
    ttsVoices: z.record(z.string(), z.string()).default({ 'zh-CN': 'cmn', zh: 'cmn', en: 'en-us', 'en-US': 'en-us', 'en-GB': 'en-gb' }),
    defaultLanguage: z.string().default('zh-CN'),
    /** Music on hold, relative to promptDir; a tone plays when absent. */
    musicOnHold: z.string().optional(),
    recording: z
      .object({
        enabled: z.boolean().default(true),
        dir: z.string().min(1),
        layouts: z.array(z.enum(['stereo', 'mono'])).min(1).default(['stereo']),
        encoding: z.enum(['pcm', 'ulaw', 'alaw']).default('pcm'),
        /**
         * How far behind real time audio is written: room for network jitter and for stalls of
         * this process (a recording is not live, so a second costs only 32 kB per call; the
         * benchmark lost audio to 300 ms on a busy 2-core box).
         */
        latencyMs: z.number().int().min(20).max(5000).default(1000),
        /** How often buffered audio is appended to the files. */
        flushIntervalMs: z.number().int().min(100).max(10_000).default(1000),
      })
      .strict(),
  })
  .strict();

export type MediaConfig = z.infer<typeof MediaConfig>;
export type MediaConfigInput = z.input<typeof MediaConfig>;
