// RTP ports for SIP legs, handed out synchronously (the SDP answer needs one before any
// transport exists). Even ports only (RFC 3550 §11); released ports go to the back of the
// queue, so a port is reused as late as possible and stray packets of an ended call do not
// land in a new one. Pure.

export class PortsExhaustedError extends Error {
  override readonly name = 'PortsExhaustedError';
  constructor(min: number, max: number) {
    super(`no free RTP port left in ${min}-${max}`);
  }
}

export class PortAllocator {
  readonly #free: number[] = [];
  #head = 0;
  readonly #used = new Set<number>();

  constructor(readonly min: number, readonly max: number) {
    for (let p = min + (min % 2); p <= max; p += 2) this.#free.push(p);
  }

  get available(): number {
    return this.#free.length - this.#head;
  }

  get inUse(): number {
    return this.#used.size;
  }

  allocate(): number {
    if (this.#head >= this.#free.length) throw new PortsExhaustedError(this.min, this.max);
    const port = this.#free[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#free.length) {
      this.#free.splice(0, this.#head); // compact now and then; amortised O(1)
      this.#head = 0;
    }
    this.#used.add(port);
    return port;
  }

  /** Returns a port; ports not handed out by this allocator are ignored. */
  release(port: number): void {
    if (!this.#used.delete(port)) return;
    this.#free.push(port);
  }

  /** Takes a port out of circulation (another process holds it). */
  retire(port: number): void {
    this.#used.delete(port);
  }
}
