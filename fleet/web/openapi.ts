import { z } from 'zod';
import type { ApiRoute } from './api-route.ts';

type JsonSchema = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // `unrepresentable: 'any'`: refinements and custom checks become plain types in the document.
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

function parametersOf(r: ApiRoute): unknown[] {
  const out: unknown[] = [];
  if (r.params) {
    const props = (schemaOf(r.params, 'input').properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(props)) out.push({ name, in: 'path', required: true, schema });
  }
  if (r.query) {
    const s = schemaOf(r.query, 'input');
    const required = new Set((s.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) out.push({ name, in: 'query', required: required.has(name), schema });
  }
  return out;
}

const errorResponse = { description: 'error', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } }, required: ['error'] } } } };

/**
 * The OpenAPI 3.1 document of the console's REST API, generated from the same route table
 * and zod schemas that validate the requests, so it cannot drift from what the server does.
 */
export function openApiDocument(routes: readonly ApiRoute[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const status = String(r.status ?? 200);
    const success = r.produces
      ? { description: 'ok', content: { [r.produces]: {} } }
      : r.response
        ? { description: 'ok', content: { 'application/json': { schema: schemaOf(r.response, 'output') } } }
        : { description: 'ok' };
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ''))}`,
      ...(r.role === 'public' ? { security: [] } : { 'x-required-role': r.role }),
      ...(r.audit ? { 'x-audit-action': r.audit } : {}),
      parameters: parametersOf(r),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses: { [status]: success, '400': errorResponse, '401': errorResponse, '403': errorResponse },
    };
  }
  return {
    openapi: '3.1.0',
    info,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'fleet_session', description: 'from POST /api/login; changing requests also send x-csrf-token' },
      },
    },
    security: [{ session: [] }],
    paths,
  };
}
