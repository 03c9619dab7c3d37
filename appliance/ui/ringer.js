// The incoming-call ring, synthesised with WebAudio (no sound files): two tones, 1 s on and
// 2 s off, like a desk phone. Browsers start an AudioContext only after a user gesture, so
// the first click on the page unlocks it.

export class Ringer {
  #ctx;
  #timer;
  #nodes = [];
  active = false;

  /** Creates or resumes the audio context; resolves true when sound can play. */
  async unlock() {
    this.#ctx ??= new AudioContext();
    if (this.#ctx.state === 'suspended') await this.#ctx.resume().catch(() => {});
    return this.#ctx.state === 'running';
  }

  /** Whether the browser still waits for a click before it plays sound. */
  get blocked() {
    return !this.#ctx || this.#ctx.state !== 'running';
  }

  start() {
    if (this.active) return;
    this.active = true;
    document.body.dataset.ringing = 'true';
    void this.unlock();
    const burst = () => {
      const ctx = this.#ctx;
      const t0 = ctx.currentTime + 0.02;
      const gain = ctx.createGain();
      gain.gain.setValueAtTime(0, t0);
      gain.gain.linearRampToValueAtTime(0.18, t0 + 0.03);
      gain.gain.setValueAtTime(0.18, t0 + 0.97);
      gain.gain.linearRampToValueAtTime(0, t0 + 1);
      gain.connect(ctx.destination);
      for (const f of [440, 480]) {
        const osc = ctx.createOscillator();
        osc.frequency.value = f;
        osc.connect(gain);
        osc.start(t0);
        osc.stop(t0 + 1.02);
        this.#nodes.push(osc);
        osc.onended = () => (this.#nodes = this.#nodes.filter((n) => n !== osc));
      }
    };
    burst();
    this.#timer = setInterval(burst, 3000);
  }

  stop() {
    if (!this.active) return;
    this.active = false;
    delete document.body.dataset.ringing;
    clearInterval(this.#timer);
    for (const n of this.#nodes) {
      try {
        n.stop();
      } catch {
        // already stopped
      }
    }
    this.#nodes = [];
  }
}
