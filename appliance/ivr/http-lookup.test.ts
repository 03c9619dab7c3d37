import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performLookup, MAX_LOOKUP_RESPONSE_BYTES } from './http-lookup.ts';
import { mapLookupResponse } from './lookup-mapping.ts';
import type { LookupRequest } from './ivr-commands.ts';

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const routes = new Map<string, Route>();
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const route = routes.get(new URL(req.url!, 'http://x').pathname);
      if (route) route(req, res, body);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set('/customer', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { name: '王芳', level: 3, vip: true, tags: ['a'], agents: [{ id: '1002' }] } })));
  routes.set('/slow', (_req, res) => setTimeout(() => res.writeHead(200).end('{}'), 2000).unref());
  routes.set('/slow-body', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data": ');
    setTimeout(() => res.end('{}}'), 2000).unref();
  });
  routes.set('/broken', (_req, res) => res.writeHead(500).end('oops'));
  routes.set('/text', (_req, res) => res.writeHead(200).end('<html>'));
  routes.set('/huge', (_req, res) => res.writeHead(200).end(JSON.stringify({ x: 'y'.repeat(MAX_LOOKUP_RESPONSE_BYTES) })));
  routes.set('/redirect', (_req, res) => res.writeHead(302, { location: 'http://example.com/' }).end());
  routes.set('/echo', (_req, res, body) => res.writeHead(200).end(JSON.stringify({ got: JSON.parse(body) })));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const request = (path: string, extra: Partial<LookupRequest> = {}): LookupRequest => ({
  method: 'GET',
  url: `${base}${path}`,
  headers: {},
  timeoutMs: 1000,
  map: { name: 'data.name', level: 'data.level', vip: 'data.vip', agent: 'data.agents.0.id' },
  required: [],
  ...extra,
});

describe('HTTP lookup against a real server on loopback', () => {
  test('maps a JSON answer into variables', async () => {
    assert.deepEqual(await performLookup(request('/customer?phone=1')), { ok: true, variables: { name: '王芳', level: '3', vip: 'true', agent: '1002' } });
    assert.equal(seen.at(-1)?.headers.accept, 'application/json');
  });

  test('times out when the server does not answer in time', async () => {
    const outcome = await performLookup(request('/slow', { timeoutMs: 200 }));
    assert.deepEqual([outcome.ok, !outcome.ok && outcome.reason], [false, 'timeout']);
  });

  test('the timeout also covers a body that trickles in', async () => {
    const outcome = await performLookup(request('/slow-body', { timeoutMs: 200 }));
    assert.equal(!outcome.ok && outcome.reason, 'timeout');
  });

  test('fails on an error status', async () => {
    const outcome = await performLookup(request('/broken'));
    assert.equal(!outcome.ok && outcome.reason, 'http-status');
    assert.match(!outcome.ok ? outcome.detail : '', /HTTP 500/);
  });

  test('fails on a body that is not JSON, or too large', async () => {
    assert.equal(((await performLookup(request('/text'))) as { reason?: string }).reason, 'invalid-response');
    const huge = await performLookup(request('/huge'));
    assert.match(!huge.ok ? huge.detail : '', /larger than/);
  });

  test('fails when a required variable is missing', async () => {
    const outcome = await performLookup(request('/customer', { map: { name: 'data.name', email: 'data.email' }, required: ['email'] }));
    assert.equal(!outcome.ok && outcome.reason, 'invalid-response');
    assert.match(!outcome.ok ? outcome.detail : '', /email \(data\.email\)/);
  });

  test('does not follow redirects', async () => {
    assert.equal(((await performLookup(request('/redirect'))) as { reason?: string }).reason, 'network');
  });

  test('reports a refused connection as a network failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await performLookup({ ...request('/'), url: `http://127.0.0.1:${port}/` });
    assert.deepEqual([outcome.ok, !outcome.ok && outcome.reason], [false, 'network']);
    assert.match(!outcome.ok ? outcome.detail : '', /ECONNREFUSED/);
  });

  test('POSTs the body as JSON with the given headers', async () => {
    const outcome = await performLookup(request('/echo', { method: 'POST', body: '{"phone":"138"}', headers: { 'X-Token': 't1' }, map: { phone: 'got.phone' } }));
    assert.deepEqual(outcome, { ok: true, variables: { phone: '138' } });
    const last = seen.at(-1)!;
    assert.equal(last.headers['content-type'], 'application/json');
    assert.equal(last.headers['x-token'], 't1');
  });

  test('an abort through the signal is reported as cancelled', async () => {
    const controller = new AbortController();
    const pending = performLookup(request('/slow', { timeoutMs: 5000 }), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    assert.equal(((await pending) as { reason?: string }).reason, 'cancelled');
  });
});

describe('lookup response mapping', () => {
  test('takes scalars at dot paths, array indexes included', () => {
    assert.deepEqual(mapLookupResponse([{ id: 7 }], { first: '0.id' }, []), { ok: true, variables: { first: '7' } });
  });

  test('treats null, objects and arrays as not found', () => {
    assert.deepEqual(mapLookupResponse({ a: null, b: {}, c: [] }, { a: 'a', b: 'b', c: 'c', d: 'd' }, []), { ok: true, variables: {} });
  });

  test('does not walk into inherited properties', () => {
    assert.deepEqual(mapLookupResponse({}, { x: 'constructor.name' }, []), { ok: true, variables: {} });
  });

  test('refuses a body that is not an object or array', () => {
    assert.equal(mapLookupResponse('text', {}, []).ok, false);
    assert.equal(mapLookupResponse(42, {}, []).ok, false);
  });

  test('cuts long values', () => {
    const r = mapLookupResponse({ a: 'x'.repeat(5000) }, { a: 'a' }, []);
    assert.equal(r.ok && r.variables.a!.length, 1000);
  });
});
