import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from './core/clock.ts';
import { buildAuthorization, DigestServer, parseChallenge } from './core/digest.ts';
import { SipStack } from './core/sip-stack.ts';
import { getHeader, getHeaders, type SipResponse } from './core/sip-message.ts';
import { RecordingTransport, requestText } from './core/test-kit.ts';
import { FsyncJsonFile } from '../store/fsync-json-file.ts';
import { LocationDocumentSchema, Registrar, type LocationDocument, type LocationStore } from './registrar.ts';
import { UserAgent } from './user-agent.ts';

const src = { protocol: 'UDP' as const, host: '203.0.113.9', port: 40000 };

function setup(store: LocationStore) {
  const clock = new VirtualClock(1_700_000_000_000);
  const transport = new RecordingTransport();
  const stack = new SipStack({ clock, transports: [transport] });
  const ua = new UserAgent(stack);
  const digest = new DigestServer({ realm: 'cc.local' });
  const registrar = new Registrar({ digest, passwordOf: (u) => (u === '1001' ? 'secret1001' : undefined), store, clock, minExpires: 60 });
  const pending: Promise<void>[] = [];
  ua.on('register', (i) => pending.push(registrar.handle(i)));
  let n = 0;
  async function register(contact: string[], expires?: string, password = 'secret1001'): Promise<SipResponse> {
    const callId = 'reg-1';
    const base = (cseq: number, auth?: string) => requestText('REGISTER', {
      branch: `z9hG4bKr${++n}`, callId, cseq,
      extra: [...contact.map((c) => `Contact: ${c}`), ...(expires !== undefined ? [`Expires: ${expires}`] : []), ...(auth ? [`Authorization: ${auth}`] : [])],
    }).replace('Contact: <sip:alice@198.51.100.7:5070>\r\n', '').replace(/To: <sip:service@192\.0\.2\.10>/, 'To: <sip:1001@cc.local>');
    stack.receive(Buffer.from(base(n * 2)), src);
    await Promise.all(pending);
    const challenge = transport.take().at(-1)!.message as SipResponse;
    assert.equal(challenge.status, 401);
    const c = parseChallenge(getHeader(challenge, 'WWW-Authenticate')!)!;
    stack.receive(Buffer.from(base(n * 2 + 1, buildAuthorization(c, { username: '1001', password }, 'REGISTER', 'sip:service@192.0.2.10'))), src);
    await Promise.all(pending);
    return transport.take().at(-1)!.message as SipResponse;
  }
  return { clock, registrar, register };
}

const memory = (): LocationStore & { doc: LocationDocument | null } => {
  const s = { doc: null as LocationDocument | null, read: async () => s.doc, write: async (d: LocationDocument) => { s.doc = d; } };
  return s;
};

test('binds several contacts, lists them with their expiry, and lets them expire', async () => {
  const { register, registrar, clock } = setup(memory());
  const ok = await register(['<sip:1001@198.51.100.7:5070>', '<sip:1001@198.51.100.8:5070>;expires=120'], '300');
  assert.equal(ok.status, 200);
  assert.deepEqual(getHeaders(ok, 'Contact').sort(), ['<sip:1001@198.51.100.7:5070>;expires=300', '<sip:1001@198.51.100.8:5070>;expires=120']);
  assert.equal(registrar.lookup('1001').length, 2);
  clock.advance(121_000);
  assert.deepEqual(registrar.lookup('sip:1001@cc.local').map((b) => b.contact), ['sip:1001@198.51.100.7:5070']);
});

test('refuses a wrong password again with 401 and a too brief expiry with 423 and Min-Expires', async () => {
  const { register } = setup(memory());
  assert.equal((await register(['<sip:1001@198.51.100.7>'], '300', 'wrong')).status, 401);
  const brief = await register(['<sip:1001@198.51.100.7>'], '10');
  assert.equal(brief.status, 423);
  assert.equal(getHeader(brief, 'Min-Expires'), '60');
});

test('removes one binding with expires=0 and all of them with * (§10.2.2)', async () => {
  const { register, registrar } = setup(memory());
  await register(['<sip:1001@198.51.100.7>', '<sip:1001@198.51.100.8>'], '300');
  await register(['<sip:1001@198.51.100.7>;expires=0']);
  assert.deepEqual(registrar.lookup('1001').map((b) => b.contact), ['sip:1001@198.51.100.8']);
  assert.equal((await register(['*'], '0')).status, 200);
  assert.equal(registrar.lookup('1001').length, 0);
});

test('keeps bindings across a restart in the appliance store (fsynced JSON file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-'));
  try {
    const file = join(dir, 'location.json');
    const first = setup(await FsyncJsonFile.open<LocationDocument>(file, { schema: LocationDocumentSchema }));
    await first.register(['<sip:1001@198.51.100.7:5070>'], '3600');
    const again = setup(await FsyncJsonFile.open<LocationDocument>(file, { schema: LocationDocumentSchema }));
    await again.registrar.load();
    assert.deepEqual(again.registrar.lookup('1001').map((b) => b.contact), ['sip:1001@198.51.100.7:5070']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
