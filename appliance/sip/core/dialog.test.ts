import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptInDialogRequest, inDialogRequest, nextHop, uacDialog, uasDialog } from './dialog.ts';
import { getHeader, request, type SipResponse } from './sip-message.ts';

const invite = request('INVITE', 'sip:bob@192.0.2.10', [
  ['Via', 'SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1'], ['From', '<sip:alice@example.com>;tag=a1'], ['To', '<sip:bob@example.com>'],
  ['Call-ID', 'c1'], ['CSeq', '10 INVITE'], ['Contact', '<sip:alice@198.51.100.7:5070>'],
  ['Record-Route', '<sip:p1.example.com;lr>'], ['Record-Route', '<sip:p2.example.com;lr>'],
]);

test('the UAS dialog takes the remote target from Contact and the route set in Record-Route order (§12.1.1)', () => {
  const d = uasDialog(invite, 'b1', 'confirmed');
  assert.equal(d.remoteTarget, 'sip:alice@198.51.100.7:5070');
  assert.deepEqual(d.routeSet, ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
  assert.equal(d.localUri, '<sip:bob@example.com>;tag=b1');
  assert.equal(d.remoteSeq, 10);
  const bye = inDialogRequest(d, 'BYE');
  assert.equal(bye.uri, 'sip:alice@198.51.100.7:5070');
  assert.equal(getHeader(bye, 'CSeq'), '1 BYE');
  assert.equal(getHeader(bye, 'To'), '<sip:alice@example.com>;tag=a1');
  assert.deepEqual(nextHop(d), { protocol: 'UDP', host: 'p1.example.com', port: 5060 });
});

test('the UAC dialog reverses Record-Route and continues the CSeq (§12.1.2)', () => {
  const res: SipResponse = { type: 'response', status: 200, reason: 'OK', body: '', headers: [
    { name: 'From', value: '<sip:alice@example.com>;tag=a1' }, { name: 'To', value: '<sip:bob@example.com>;tag=b1' },
    { name: 'Call-ID', value: 'c1' }, { name: 'CSeq', value: '10 INVITE' }, { name: 'Contact', value: '<sip:bob@192.0.2.10:5062;transport=tcp>' },
    { name: 'Record-Route', value: '<sip:p1.example.com;lr>' }, { name: 'Record-Route', value: '<sip:p2.example.com;lr>' },
  ] };
  const d = uacDialog(invite, res);
  assert.deepEqual(d.routeSet, ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
  assert.equal(d.state, 'confirmed');
  assert.equal(getHeader(inDialogRequest(d, 'BYE'), 'CSeq'), '11 BYE');
  d.routeSet = [];
  assert.deepEqual(nextHop(d), { protocol: 'TCP', host: '192.0.2.10', port: 5062 });
});

test('refuses an in-dialog request whose CSeq went backwards with 500 and refreshes the target on re-INVITE (§12.2.2)', () => {
  const d = uasDialog(invite, 'b1', 'confirmed');
  const reinvite = request('INVITE', 'sip:bob@192.0.2.10', [['CSeq', '11 INVITE'], ['Contact', '<sip:alice@198.51.100.99>']]);
  assert.deepEqual(acceptInDialogRequest(d, reinvite), { ok: true });
  assert.equal(d.remoteTarget, 'sip:alice@198.51.100.99');
  const old = request('BYE', 'sip:bob@192.0.2.10', [['CSeq', '9 BYE']]);
  assert.equal(acceptInDialogRequest(d, old).ok, false);
});
