import type { Context } from 'hono';
import { z } from 'zod';
import { Id } from '../../../protocol/ids.ts';
import { MaintenanceWindow } from '../../../protocol/update-job.ts';
import { CampaignSettingsError } from '../../rollouts/rollout-core.ts';
import {
  BundleNotFoundError,
  BundleRefusedError,
  CampaignCommandError,
  CampaignConflictError,
  CampaignExistsError,
  CampaignNotFoundError,
  type RolloutService,
} from '../../rollouts/rollout-service.ts';
import { auditDetails, route, type ApiRoute } from '../api-route.ts';
import type { FleetEnv } from '../request-auth.ts';

/** The largest bundle the upload route takes (a system image); streamed to disk, never buffered. */
export const MAX_BUNDLE_BYTES = 8 * 1024 ** 3;
export const BUNDLE_UPLOAD_PATH = '/api/rollout-bundles';

const CampaignParams = z.object({ id: Id });
const CreateCampaign = z.strictObject({
  id: Id,
  name: z.string().trim().min(1).max(128),
  /** SHA-256 of an uploaded bundle. */
  bundle: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of an uploaded bundle'),
  groups: z.array(Id).min(1).max(100),
  phases: z.array(z.number().gt(0).max(100)).min(1).max(20).default([1, 10, 50, 100]),
  successThreshold: z.number().min(0).max(1).default(0.95),
  failureThreshold: z.number().min(0).max(1).default(0.05),
  window: MaintenanceWindow.optional(),
  drainFirst: z.boolean().default(true),
});
const Bundle = z.object({ sha256: z.string(), size: z.number(), version: z.string(), board: z.string(), keyId: z.string(), uploadedAt: z.number(), uploadedBy: z.string() }).loose();
const Counts = z.object({ total: z.number(), released: z.number(), committed: z.number(), failed: z.number(), cancelled: z.number(), inProgress: z.number() });
const Summary = z.object({ id: z.string(), name: z.string(), status: z.string(), phase: z.number(), counts: Counts, phases: z.array(Counts.extend({ phase: z.number(), percent: z.number() })) }).loose();

/** The service's refusals as HTTP answers; anything else goes to the app's error handler. */
async function answer(c: Context<FleetEnv>, work: () => Promise<Response> | Response): Promise<Response> {
  try {
    return await work();
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof CampaignNotFoundError || err instanceof BundleNotFoundError) return c.json({ error: 'not-found', message }, 404);
    if (err instanceof CampaignExistsError) return c.json({ error: 'exists', message }, 409);
    if (err instanceof CampaignConflictError) return c.json({ error: 'conflict', message }, 409);
    if (err instanceof CampaignCommandError) return c.json({ error: 'not-allowed', message }, 409);
    if (err instanceof CampaignSettingsError) return c.json({ error: 'bad-request', message }, 400);
    if (err instanceof BundleRefusedError) {
      auditDetails(c, { refused: err.code });
      return c.json({ error: 'bundle-refused', code: err.code, message }, err.code === 'too-large' ? 413 : 422);
    }
    throw err;
  }
}

/**
 * Rollout campaigns (issue 8): upload a signed bundle, start a campaign on device groups,
 * follow it, pause, resume or abort it. Operators may do all of it: whoever may start a
 * rollout must be able to stop it at 3 a.m. without finding an admin, and stopping never
 * installs anything. Without a rollout service (a console built without one) the routes
 * still exist, so access rules and the API document cover them, and answer 503.
 */
export function rolloutRoutes({ rollouts }: { rollouts: RolloutService | undefined }): ApiRoute[] {
  const guarded = (c: Context<FleetEnv>, work: (s: RolloutService) => Promise<Response> | Response) =>
    rollouts ? answer(c, () => work(rollouts)) : c.json({ error: 'unavailable', message: 'rollouts are not enabled on this console' }, 503);
  return [
    route({ method: 'get', path: BUNDLE_UPLOAD_PATH, summary: 'Uploaded update bundles, newest first', tag: 'rollouts', role: 'viewer', response: z.object({ bundles: z.array(Bundle) }), handler: (c) => guarded(c, (s) => c.json({ bundles: s.bundles() })) }),
    route({
      method: 'post',
      path: BUNDLE_UPLOAD_PATH,
      summary: 'Upload a signed update bundle (application/octet-stream); verified like a device would before it can ship',
      tag: 'rollouts',
      role: 'operator',
      audit: 'rollout.bundle-upload',
      maxBodyBytes: MAX_BUNDLE_BYTES,
      status: 201,
      response: Bundle,
      handler: (c) =>
        guarded(c, async (s) => {
          if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/octet-stream')) return c.json({ error: 'bad-request', message: 'send the bundle as application/octet-stream' }, 400);
          const body = c.req.raw.body;
          if (!body) return c.json({ error: 'bad-request', message: 'no bundle in the body' }, 400);
          const record = await s.importBundle(body as unknown as AsyncIterable<Uint8Array>, c.get('auth').user.username);
          auditDetails(c, { version: record.version, sha256: record.sha256, size: record.size, board: record.board });
          return c.json(record, 201);
        }),
    }),
    route({ method: 'get', path: '/api/rollouts', summary: 'Rollout campaigns with per-phase progress', tag: 'rollouts', role: 'viewer', response: z.object({ campaigns: z.array(Summary) }), handler: (c) => guarded(c, (s) => c.json({ campaigns: s.list() })) }),
    route({
      method: 'post',
      path: '/api/rollouts',
      summary: 'Start a campaign: a bundle, target groups, phases, thresholds, maintenance window, drain first',
      tag: 'rollouts',
      role: 'operator',
      audit: 'rollout.create',
      body: CreateCampaign,
      status: 201,
      response: Summary,
      handler: (c, { body }) =>
        guarded(c, async (s) => {
          auditDetails(c, { campaign: body.id, bundle: body.bundle, groups: body.groups, phases: body.phases });
          const summary = await s.create(body, c.get('auth').user.username);
          auditDetails(c, { devices: summary.counts.total, version: summary.bundle.version });
          return c.json(summary, 201);
        }),
    }),
    route({ method: 'get', path: '/api/rollouts/:id', summary: 'A campaign with each device\'s status and history', tag: 'rollouts', role: 'viewer', params: CampaignParams, response: Summary, handler: (c, { params }) => guarded(c, (s) => c.json(s.get(params.id))) }),
    ...(['pause', 'resume', 'abort'] as const).map((action) =>
      route({
        method: 'post',
        path: `/api/rollouts/:id/${action}`,
        summary: { pause: 'Pause: release no further phase (devices already released carry on)', resume: 'Resume a paused campaign', abort: 'Abort: withdraw every job not yet installing; final' }[action],
        tag: 'rollouts',
        role: 'operator',
        audit: `rollout.${action}`,
        params: CampaignParams,
        response: Summary,
        handler: (c, { params }) => guarded(c, async (s) => c.json(await s.command(params.id, action, c.get('auth').user.username))),
      }),
    ),
  ];
}
