// Call progress tones (ringback, busy, congestion, dial) as cadenced sums of sines, per
// national plan (ITU-T E.180 Supplement 2 lists each country's tones). The generator keeps
// phase across frames so the tone has no clicks at 20 ms boundaries. Pure.

export type ToneName = 'ringback' | 'busy' | 'congestion' | 'dial' | 'call-waiting';
export type TonePlanName = 'cn' | 'us' | 'eu' | 'uk';

export interface ToneSpec {
  /** Frequencies summed, Hz. */
  freqs: readonly number[];
  /** Alternating on/off durations in ms; empty for a continuous tone. */
  cadenceMs: readonly number[];
}

const c = (freqs: number[], ...cadenceMs: number[]): ToneSpec => ({ freqs, cadenceMs });

/** E.180 Suppl. 2 values; 'eu' is the CEPT/ETSI recommendation most of Europe follows. */
export const TONE_PLANS: Readonly<Record<TonePlanName, Readonly<Record<ToneName, ToneSpec>>>> = {
  cn: { dial: c([450]), ringback: c([450], 1000, 4000), busy: c([450], 350, 350), congestion: c([450], 700, 700), 'call-waiting': c([450], 400, 4000) },
  us: { dial: c([350, 440]), ringback: c([440, 480], 2000, 4000), busy: c([480, 620], 500, 500), congestion: c([480, 620], 250, 250), 'call-waiting': c([440], 300, 9700) },
  eu: { dial: c([425]), ringback: c([425], 1000, 4000), busy: c([425], 500, 500), congestion: c([425], 250, 250), 'call-waiting': c([425], 200, 200, 200, 4000) },
  uk: { dial: c([350, 440]), ringback: c([400, 450], 400, 200, 400, 2000), busy: c([400], 375, 375), congestion: c([400], 400, 350, 225, 525), 'call-waiting': c([400], 100, 3000) },
};

export interface ToneGeneratorOptions {
  sampleRate?: number;
  /** Peak amplitude of each component (16-bit scale); about -16 dBm0 per component by default. */
  amplitude?: number;
}

/** Produces a tone frame by frame, cadence and phase continuing across calls. */
export class ToneGenerator {
  readonly #spec: ToneSpec;
  readonly #rate: number;
  readonly #amplitude: number;
  readonly #periodSamples: number;
  readonly #edges: number[];
  #n = 0;

  constructor(spec: ToneSpec, options: ToneGeneratorOptions = {}) {
    this.#spec = spec;
    this.#rate = options.sampleRate ?? 8000;
    this.#amplitude = options.amplitude ?? 4000;
    const perMs = this.#rate / 1000;
    let at = 0;
    this.#edges = spec.cadenceMs.map((ms) => (at += Math.round(ms * perMs)));
    this.#periodSamples = at;
  }

  /** The next `samples` samples (silence where the cadence is off). */
  next(samples = 160): Int16Array {
    const out = new Int16Array(samples);
    for (let i = 0; i < samples; i++, this.#n++) {
      if (!this.#on(this.#n)) continue;
      let v = 0;
      for (const f of this.#spec.freqs) v += Math.sin((2 * Math.PI * f * this.#n) / this.#rate);
      out[i] = Math.round(this.#amplitude * v);
    }
    return out;
  }

  #on(n: number): boolean {
    if (this.#periodSamples === 0) return true;
    const pos = n % this.#periodSamples;
    const segment = this.#edges.findIndex((edge) => pos < edge);
    return segment % 2 === 0; // even segments are "on"
  }
}
