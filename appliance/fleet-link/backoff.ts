/**
 * Exponential backoff with full jitter: a fleet of appliances that lost the broker together
 * must not all come back in the same second.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: { minMs: number; maxMs: number },
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(this.options.minMs / 2 + this.random() * (ceiling - this.options.minMs / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
