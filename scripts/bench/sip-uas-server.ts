// Benchmark target: the appliance's SIP stack answering every call (180 then 200 with SDP,
// signalling only). Prints "READY <port>" once listening; exits on SIGTERM.
import { SipServer } from '../../appliance/sip/sip-server.ts';
import { UserAgent } from '../../appliance/sip/user-agent.ts';

const port = Number(process.argv[2] ?? 0);
const sdp = ['v=0', 'o=cc 1 1 IN IP4 127.0.0.1', 's=cc', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 20000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

const server = await SipServer.start({ host: '127.0.0.1', udpPort: port, sendFilter: (to) => to.host.startsWith('127.') });
const ua = new UserAgent(server.stack);
ua.on('invite', (session) => {
  session.ring();
  session.answer(sdp);
});
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
process.stdout.write(`READY ${server.udp!.port}\n`);
setInterval(() => {}, 1 << 30);
