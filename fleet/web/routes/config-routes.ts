import { z } from 'zod';
import { Id } from '../../../protocol/ids.ts';
import { ConfigDocumentSchema, ConfigIssueSchema } from '../../../protocol/config-document.ts';
import type { ConfigService } from '../../config/config-service.ts';
import { auditDetails, route, type ApiRoute } from '../api-route.ts';
import { DeviceParams } from './device-routes.ts';

const GroupParams = z.object({ id: Id });
const Template = z.record(z.string(), z.unknown()).refine((t) => typeof t.schema === 'number', 'a template names its configuration schema version (`schema`)');
const CreateGroup = z.strictObject({ id: Id, name: z.string().trim().min(1).max(128), description: z.string().max(2000).optional(), template: Template });
const UpdateGroup = z.strictObject({ name: z.string().trim().min(1).max(128).optional(), description: z.string().max(2000).optional(), template: Template.optional() });
const Ref = z.object({ site: Id, device: Id });
const Members = z.strictObject({ add: z.array(Ref).max(10_000).default([]), remove: z.array(Ref).max(10_000).default([]) });
const Override = z.strictObject({ patch: z.record(z.string(), z.unknown()).nullable() });
const Push = z.strictObject({ planId: z.string().min(1).max(64) });
const CONFIG_BODY_LIMIT = 2 * 1024 * 1024;

const Status = z.enum(['none', 'pending', 'applied', 'refused', 'drift', 'offline', 'exported']);
const DeviceConfigRow = z.object({ site: z.string(), device: z.string(), name: z.string(), online: z.boolean(), status: Status, desired: z.object({ version: z.number(), hash: z.string() }).loose().optional(), reported: z.record(z.string(), z.unknown()).optional() });
const GroupSummary = z.object({ id: z.string(), name: z.string(), description: z.string(), revision: z.number(), members: z.number(), status: z.record(z.string(), z.number()) }).loose();
const Change = z.object({ path: z.string(), op: z.enum(['add', 'remove', 'change']), before: z.unknown().optional(), after: z.unknown().optional() });
const Plan = z.object({
  group: z.string(),
  revision: z.number(),
  planId: z.string(),
  devices: z.array(DeviceConfigRow.extend({ nextVersion: z.number(), hash: z.string(), unchanged: z.boolean(), issues: z.array(ConfigIssueSchema), changes: z.array(Change), diffBase: z.object({ version: z.number(), kind: z.string() }) })),
});

export function configRoutes({ config }: { config: ConfigService }): ApiRoute[] {
  return [
    route({ method: 'get', path: '/api/config/schema', summary: 'JSON Schema of the configuration document (for editors)', tag: 'config', role: 'viewer', response: z.record(z.string(), z.unknown()), handler: (c) => c.json(z.toJSONSchema(ConfigDocumentSchema, { io: 'input', unrepresentable: 'any' })) }),
    route({ method: 'get', path: '/api/groups', summary: 'Device groups with their members\' configuration status', tag: 'config', role: 'viewer', response: z.object({ groups: z.array(GroupSummary) }), handler: (c) => c.json({ groups: config.listGroups() }) }),
    route({
      method: 'post',
      path: '/api/groups',
      summary: 'Create a group with its template',
      tag: 'config',
      role: 'operator',
      audit: 'group.create',
      body: CreateGroup,
      maxBodyBytes: CONFIG_BODY_LIMIT,
      status: 201,
      handler: async (c, { body }) => {
        auditDetails(c, { group: body.id });
        return c.json(await config.createGroup(body, c.get('auth').user.username), 201);
      },
    }),
    route({
      method: 'get',
      path: '/api/groups/:id',
      summary: 'A group: its template and members',
      tag: 'config',
      role: 'viewer',
      params: GroupParams,
      handler: (c, { params }) => c.json({ group: config.group(params.id), members: config.members(params.id) }),
    }),
    route({
      method: 'put',
      path: '/api/groups/:id',
      summary: 'Change a group\'s name, description or template (nothing is pushed)',
      tag: 'config',
      role: 'operator',
      audit: 'group.update',
      params: GroupParams,
      body: UpdateGroup,
      maxBodyBytes: CONFIG_BODY_LIMIT,
      handler: async (c, { params, body }) => {
        const before = config.group(params.id).revision;
        const group = await config.updateGroup(params.id, body, c.get('auth').user.username);
        auditDetails(c, { revision: group.revision, templateChanged: group.revision !== before });
        return c.json(group);
      },
    }),
    route({ method: 'delete', path: '/api/groups/:id', summary: 'Remove a group (devices keep their configuration)', tag: 'config', role: 'operator', audit: 'group.remove', params: GroupParams, status: 204, handler: async (c, { params }) => (await config.deleteGroup(params.id), c.body(null, 204)) }),
    route({
      method: 'post',
      path: '/api/groups/:id/members',
      summary: 'Add devices to the group (moving them from another) or remove them',
      tag: 'config',
      role: 'operator',
      audit: 'group.members',
      params: GroupParams,
      body: Members,
      maxBodyBytes: CONFIG_BODY_LIMIT,
      handler: async (c, { params, body }) => {
        config.group(params.id);
        const mine = new Set(config.members(params.id).map((m) => `${m.site}.${m.device}`));
        await config.setGroupOf(body.add, params.id);
        await config.setGroupOf(body.remove.filter((r) => mine.has(`${r.site}.${r.device}`)), null);
        auditDetails(c, { added: body.add.length, removed: body.remove.length });
        return c.json({ members: config.members(params.id) });
      },
    }),
    route({ method: 'get', path: '/api/groups/:id/status', summary: 'Configuration status of each member', tag: 'config', role: 'viewer', params: GroupParams, response: z.object({ devices: z.array(DeviceConfigRow) }), handler: (c, { params }) => c.json({ devices: config.members(params.id) }) }),
    route({ method: 'get', path: '/api/groups/:id/preview', summary: 'What a push would change on each member, and the plan id to push it', tag: 'config', role: 'viewer', params: GroupParams, response: Plan, handler: (c, { params }) => c.json(config.preview(params.id)) }),
    route({
      method: 'post',
      path: '/api/groups/:id/push',
      summary: 'Push the previewed plan: each changed member gets its next version (retained)',
      tag: 'config',
      role: 'operator',
      audit: 'config.push',
      params: GroupParams,
      body: Push,
      handler: async (c, { params, body }) => {
        const result = await config.push(params.id, body.planId, c.get('auth').user.username);
        auditDetails(c, { planId: body.planId, pushed: result.pushed.map((p) => `${p.site}/${p.device}@${p.version}`).slice(0, 200), unchanged: result.unchanged });
        return c.json(result);
      },
    }),
    route({
      method: 'get',
      path: '/api/devices/:site/:device/config',
      summary: 'A device\'s group, overrides, rendered document, desired and reported state',
      tag: 'config',
      role: 'viewer',
      params: DeviceParams,
      handler: (c, { params }) => {
        const rendered = config.render(params);
        return c.json({ group: config.groupOf(params) ?? null, override: config.override(params) ?? null, rendered: rendered ?? null });
      },
    }),
    route({
      method: 'put',
      path: '/api/devices/:site/:device/config/override',
      summary: 'Set (or with null clear) a device\'s overrides of its group template',
      tag: 'config',
      role: 'operator',
      audit: 'config.override',
      params: DeviceParams,
      body: Override,
      maxBodyBytes: CONFIG_BODY_LIMIT,
      handler: async (c, { params, body }) => {
        await config.setOverride(params, body.patch, c.get('auth').user.username);
        auditDetails(c, { cleared: body.patch === null, keys: body.patch ? Object.keys(body.patch) : [] });
        return c.json({ override: config.override(params) ?? null, rendered: config.render(params) ?? null });
      },
    }),
    route({
      method: 'get',
      path: '/api/bundle-key',
      summary: 'The public key appliances trust for offline bundles (PEM)',
      tag: 'config',
      role: 'viewer',
      response: z.object({ keyId: z.string(), publicKeyPem: z.string() }),
      handler: (c) => (config.signer ? c.json({ keyId: config.signer.keyId, publicKeyPem: config.signer.publicKeyPem }) : c.json({ error: 'not-found', message: 'no signing key' }, 404)),
    }),
    route({
      method: 'post',
      path: '/api/devices/:site/:device/bundle',
      summary: 'Export the device\'s configuration as a signed offline bundle (the next version)',
      tag: 'config',
      role: 'admin',
      audit: 'config.export-bundle',
      params: DeviceParams,
      produces: 'application/octet-stream',
      handler: async (c, { params }) => {
        const bundle = await config.exportBundle(params, c.get('auth').user.username);
        auditDetails(c, { version: bundle.version, file: bundle.fileName });
        c.header('Content-Disposition', `attachment; filename="${bundle.fileName}"`);
        c.header('Content-Type', 'application/octet-stream');
        return c.body(bundle.text);
      },
    }),
  ];
}
