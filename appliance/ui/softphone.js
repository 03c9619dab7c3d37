// The browser softphone: mediasoup-client (bundled by the appliance from node_modules) with
// one send transport (the microphone) and one receive transport (the caller) per call.
// G.711 only: the router offers PCMU/PCMA, so nothing is transcoded on the appliance.
import { Device } from '/vendor/mediasoup-client.js';

export class Softphone extends EventTarget {
  #request;
  #device;
  #loading;
  #calls = new Map();

  /** `request(type, args)` sends a desk request and resolves with its result value. */
  constructor(request) {
    super();
    this.#request = request;
  }

  /** Loads the router's capabilities and tells the desk ours; again after each reconnect. */
  async prepare() {
    this.#loading ??= (async () => {
      const caps = await this.#request('rtp-capabilities');
      if (!caps.ok) throw new Error(caps.error?.message ?? 'no RTP capabilities');
      const device = new Device();
      await device.load({ routerRtpCapabilities: caps.rtpCapabilities });
      this.#device = device;
    })().catch((err) => {
      this.#loading = undefined;
      throw err;
    });
    await this.#loading;
    const told = await this.#request('set-rtp-capabilities', { rtpCapabilities: this.#device.rtpCapabilities });
    if (!told.ok) throw new Error(told.error?.message ?? 'capabilities refused');
  }

  /** Checks that a microphone can be opened (permission, device), then releases it. */
  async probeMicrophone() {
    if (!window.isSecureContext || !navigator.mediaDevices) throw new Error('insecure');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const t of stream.getTracks()) t.stop();
  }

  /** The desk's `media` event: both transports, the microphone producer, the caller's consumer. */
  async start(media) {
    await this.prepare();
    this.end(media.callId);
    const call = { callId: media.callId, send: undefined, recv: undefined, producer: undefined, consumer: undefined, audio: new Audio(), track: undefined };
    this.#calls.set(media.callId, call);
    call.audio.autoplay = true;

    const connect = (transport) => ({ dtlsParameters }, ok, fail) => {
      this.#request('connect-transport', { callId: media.callId, transportId: transport.id, dtlsParameters }).then((r) => (r.ok ? ok() : fail(new Error(r.error.message))));
    };
    call.recv = this.#device.createRecvTransport(media.recv);
    call.recv.on('connect', connect(call.recv));
    call.send = this.#device.createSendTransport(media.send);
    call.send.on('connect', connect(call.send));
    call.send.on('produce', ({ kind, rtpParameters }, ok, fail) => {
      this.#request('produce', { callId: media.callId, transportId: call.send.id, kind, rtpParameters }).then((r) => (r.ok ? ok({ id: r.id }) : fail(new Error(r.error.message))));
    });
    if (media.consumer) await this.consume(media.callId, media.consumer);

    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
    call.track = stream.getAudioTracks()[0];
    if (!this.#calls.has(media.callId)) {
      call.track.stop();
      return;
    }
    const codec = this.#device.rtpCapabilities.codecs.find((c) => /^audio\/(PCMU|PCMA)$/i.test(c.mimeType));
    call.producer = await call.send.produce({ track: call.track, codec, stopTracks: true, zeroRtpOnPause: true });
  }

  /** The caller's stream toward the browser (first, or a replacement). */
  async consume(callId, params) {
    const call = this.#calls.get(callId);
    if (!call) return;
    call.consumer?.close();
    call.consumer = await call.recv.consume(params);
    call.audio.srcObject = new MediaStream([call.consumer.track]);
    call.audio.play().catch(() => {
      // Autoplay refused without a gesture; the answer click normally counts as one.
    });
  }

  /** Mutes the microphone (hold) or unmutes it. */
  setMuted(callId, muted) {
    const p = this.#calls.get(callId)?.producer;
    if (!p) return;
    if (muted) p.pause();
    else p.resume();
  }

  /** Sends DTMF in band as RFC 4733 telephone-events. */
  sendDigits(callId, digits) {
    const sender = this.#calls.get(callId)?.producer?.rtpSender;
    sender?.dtmf?.insertDTMF(digits, 100, 70);
  }

  end(callId) {
    const call = this.#calls.get(callId);
    if (!call) return;
    this.#calls.delete(callId);
    call.producer?.close();
    call.consumer?.close();
    call.track?.stop();
    call.send?.close();
    call.recv?.close();
    call.audio.srcObject = null;
  }

  /** Inbound (caller → agent) and outbound (agent → caller) RTP counters, for the status line and tests. */
  async stats(callId) {
    const call = this.#calls.get(callId ?? [...this.#calls.keys()].at(-1));
    if (!call) return undefined;
    const out = { inbound: undefined, outbound: undefined };
    if (call.consumer) {
      (await call.consumer.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp') out.inbound = { packetsReceived: s.packetsReceived ?? 0, audioLevel: s.audioLevel ?? 0, totalAudioEnergy: s.totalAudioEnergy ?? 0, packetsLost: s.packetsLost ?? 0 };
      });
    }
    if (call.producer) {
      (await call.producer.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp') out.outbound = { packetsSent: s.packetsSent ?? 0, bytesSent: s.bytesSent ?? 0 };
      });
    }
    return out;
  }

  get activeCalls() {
    return [...this.#calls.keys()];
  }
}
