// The browser softphone's media for a call: two WebRTC legs in the customer's media session
// (mediasoup-client opens one RTCPeerConnection per transport: a send transport for the
// microphone, a recv transport for the caller), routed so the caller hears the send leg and
// the recv leg hears the caller. G.711 both ways: nothing is transcoded.
import type { AgentDesk } from '../desk/agent-desk.ts';
import type { ConsumerParams, DeskResult, DtlsParameters, MediaEvent, RtpParameters } from '../desk/desk-types.ts';
import { deskError, type AgentRoster } from './agent-roster.ts';
import type { LiveCall } from './live-call.ts';

export class BrowserMedia {
  #seq = 0;

  constructor(
    private readonly desk: AgentDesk,
    private readonly roster: AgentRoster,
  ) {}

  /** Creates the legs and emits `media` to the agent; undefined when the call has no media. */
  async connect(call: LiveCall, agentId: string): Promise<{ sendLeg: string; recvLeg: string } | undefined> {
    const session = call.session;
    if (!session || session.closed) return undefined;
    if (call.web) return call.web;
    const n = ++this.#seq;
    const sendLeg = `web-${agentId}-${n}-send`;
    const recvLeg = `web-${agentId}-${n}-recv`;
    const send = await session.addWebRtcLeg(sendLeg);
    const recv = await session.addWebRtcLeg(recvLeg);
    call.web = { agentId, sendLeg, recvLeg, sendTransport: send.transportId, recvTransport: recv.transportId };
    // the first consumer rides in the `media` event when it exists by then; later ones (or a
    // first one made after the browser sent its capabilities) go out as `consumer` events
    let first: ConsumerParams | undefined;
    let announced = false;
    session.on('webrtc-consumer', (legId, consumer) => {
      if (legId !== recvLeg) return;
      if (!announced) first = consumer;
      else this.desk.emit('consumer', agentId, { callId: call.id, consumer });
    });
    const caps = this.roster.get(agentId)?.rtpCaps;
    if (caps) await session.setWebRtcCapabilities(recvLeg, caps);
    await session.setHearing(recvLeg, [call.id]);
    await session.setHearing(call.id, [sendLeg]);
    const params = (p: typeof send): MediaEvent['send'] => ({ id: p.transportId, iceParameters: p.iceParameters, iceCandidates: p.iceCandidates, dtlsParameters: p.dtlsParameters });
    const event: MediaEvent = { callId: call.id, send: params(send), recv: params(recv), ...(first ? { consumer: first } : {}) };
    announced = true;
    this.desk.emit('media', agentId, event);
    return call.web;
  }

  async hear(call: LiveCall, hears: boolean): Promise<void> {
    if (call.web) await call.session?.setHearing(call.web.recvLeg, hears ? [call.id] : []);
  }

  /** Removes the browser's legs (hang-up, transfer); the browser closes its transports on `call` ended. */
  release(call: LiveCall): void {
    const web = call.web;
    call.web = undefined;
    if (!web || !call.session || call.session.closed) return;
    void call.session.removeLeg(web.sendLeg).catch(() => undefined);
    void call.session.removeLeg(web.recvLeg).catch(() => undefined);
  }

  async connectTransport(call: LiveCall | undefined, agentId: string, transportId: string, dtls: DtlsParameters): Promise<DeskResult> {
    const web = call?.web;
    if (!call || !web || web.agentId !== agentId) return deskError('no-such-call', 'no browser media for this call');
    const leg = transportId === web.sendTransport ? web.sendLeg : transportId === web.recvTransport ? web.recvLeg : undefined;
    if (!leg) return deskError('invalid', `unknown transport ${transportId}`);
    await call.session!.connectWebRtcLeg(leg, dtls);
    return { ok: true };
  }

  async produce(call: LiveCall | undefined, agentId: string, transportId: string, rtp: RtpParameters): Promise<DeskResult<{ id: string }>> {
    const web = call?.web;
    if (!call || !web || web.agentId !== agentId) return deskError('no-such-call', 'no browser media for this call');
    if (transportId !== web.sendTransport) return deskError('invalid', 'produce on the send transport');
    try {
      return { ok: true, id: await call.session!.produceWebRtc(web.sendLeg, rtp) };
    } catch (error) {
      return deskError('invalid', (error as Error).message);
    }
  }
}
