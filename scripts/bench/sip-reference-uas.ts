// Reference target: kirm/sip (npm "sip", untyped, last published 2019) answering the same way
// as sip-uas-server.ts. It is not a project dependency: install it beside the checkout with
//   npm install --prefix /tmp/sip-reference sip@0.0.6
// and point SIP_REFERENCE_DIR elsewhere if needed. Prints "READY <port>".
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

interface KirmMessage {
  method?: string;
  headers: { to: { params: Record<string, string> }; contact?: unknown; 'content-type'?: string } & Record<string, unknown>;
  content?: string;
}
interface KirmSip {
  start(options: Record<string, unknown>, handler: (rq: KirmMessage) => void): void;
  send(m: KirmMessage): void;
  makeResponse(rq: KirmMessage, status: number, reason: string): KirmMessage;
}

const dir = process.env.SIP_REFERENCE_DIR ?? '/tmp/sip-reference';
const sip = createRequire(`${dir}/node_modules/`)('sip') as KirmSip;
const port = Number(process.argv[2] ?? 5099);
const sdp = ['v=0', 'o=ref 1 1 IN IP4 127.0.0.1', 's=ref', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 20000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

sip.start({ port, address: '127.0.0.1', tcp: false }, (rq) => {
  if (rq.method === 'INVITE') {
    const tag = randomBytes(6).toString('hex');
    const ringing = sip.makeResponse(rq, 180, 'Ringing');
    ringing.headers.to.params.tag = tag;
    sip.send(ringing);
    const ok = sip.makeResponse(rq, 200, 'OK');
    ok.headers.to.params.tag = tag;
    ok.headers.contact = [{ uri: `sip:ref@127.0.0.1:${port}` }];
    ok.headers['content-type'] = 'application/sdp';
    ok.content = sdp;
    sip.send(ok);
  } else if (rq.method === 'BYE' || rq.method === 'OPTIONS') {
    sip.send(sip.makeResponse(rq, 200, 'OK'));
  } else if (rq.method !== 'ACK') {
    sip.send(sip.makeResponse(rq, 405, 'Method Not Allowed'));
  }
});
process.stdout.write(`READY ${port}\n`);
