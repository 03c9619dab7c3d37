import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outboundRouteFor, routeForDid, SipConfigSchema } from './config.ts';

test('applies defaults to a minimal configuration', () => {
  const c = SipConfigSchema.parse({});
  assert.equal(c.listen.udpPort, 5060);
  assert.deepEqual(c.trunks, []);
});

test('refuses a trunk group naming an unknown trunk, and a registering trunk without credentials', () => {
  const r = SipConfigSchema.safeParse({ trunks: [{ id: 't1', host: '192.0.2.1', register: true }], trunkGroups: [{ id: 'g', trunks: ['t2'] }] });
  assert.equal(r.success, false);
  const messages = r.error!.issues.map((i) => i.message);
  assert.ok(messages.includes('unknown trunk t2'));
  assert.ok(messages.includes('registration needs username and password'));
});

test('routes a DID by exact match before the longest prefix', () => {
  const dids = [
    { did: '5551*', route: { kind: 'queue' as const, queue: 'general' } },
    { did: '55512*', route: { kind: 'queue' as const, queue: 'sales' } },
    { did: '5551200', route: { kind: 'ivr' as const, flow: 'vip' } },
  ];
  assert.deepEqual(routeForDid(dids, '5551200'), { kind: 'ivr', flow: 'vip' });
  assert.deepEqual(routeForDid(dids, '5551299'), { kind: 'queue', queue: 'sales' });
  assert.deepEqual(routeForDid(dids, '5551999'), { kind: 'queue', queue: 'general' });
  assert.equal(routeForDid(dids, '6000'), undefined);
});

test('picks the outbound route with the longest matching prefix', () => {
  const routes = [{ prefix: '', trunkGroup: 'any', strip: 0 }, { prefix: '00', trunkGroup: 'intl', strip: 2 }];
  assert.equal(outboundRouteFor(routes, '0049301234')?.trunkGroup, 'intl');
  assert.equal(outboundRouteFor(routes, '13800000000')?.trunkGroup, 'any');
});

test('refuses a trunk given by DNS name, since names are not resolved', () => {
  const r = SipConfigSchema.safeParse({ trunks: [{ id: 't1', host: 'sip.carrier.example' }] });
  assert.equal(r.success, false);
  assert.ok(SipConfigSchema.safeParse({ trunks: [{ id: 't1', host: '2001:db8::5' }, { id: 't2', host: '192.0.2.1' }] }).success);
});
