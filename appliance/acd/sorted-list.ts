/**
 * An ordered list of unique items kept as blocks of bounded size (the layout of Python's
 * sortedcontainers): insert and delete cost a binary search plus a short splice, the first
 * item is O(1), and the rank of an item (its position in a queue) costs one pass over the
 * block sizes. A binary heap would give the head as cheaply but neither ranks nor ordered
 * iteration, which the ACD needs for announcements and for skipping excluded agents.
 *
 * The comparator must be a total order over the items ever stored together (break ties on
 * a unique sequence number) and must not change while an item is stored.
 */
export type Compare<T> = (a: T, b: T) => number;

const BLOCK = 256;

export class SortedList<T> {
  private blocks: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: Compare<T>) {}

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.blocks[0]?.[0];
  }

  add(item: T): void {
    this.count++;
    const blocks = this.blocks;
    if (blocks.length === 0) {
      blocks.push([item]);
      return;
    }
    const b = this.blockFor(item);
    const block = blocks[b]!;
    block.splice(this.indexIn(block, item), 0, item);
    if (block.length > BLOCK * 2) blocks.splice(b + 1, 0, block.splice(BLOCK));
  }

  /** Removes the item that compares equal to `item`; returns whether one was there. */
  delete(item: T): boolean {
    const blocks = this.blocks;
    if (blocks.length === 0) return false;
    const b = this.blockFor(item);
    const block = blocks[b]!;
    const i = this.indexIn(block, item);
    if (i >= block.length || this.cmp(block[i]!, item) !== 0) return false;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) blocks.splice(b, 1);
    else if (block.length < BLOCK / 4 && b + 1 < blocks.length && block.length + blocks[b + 1]!.length <= BLOCK * 2) {
      block.push(...blocks[b + 1]!);
      blocks.splice(b + 1, 1);
    }
    return true;
  }

  /** Number of items ordered before `item` (whether or not it is stored). */
  rank(item: T): number {
    const blocks = this.blocks;
    if (blocks.length === 0) return 0;
    const b = this.blockFor(item);
    let r = 0;
    for (let i = 0; i < b; i++) r += blocks[i]!.length;
    return r + this.indexIn(blocks[b]!, item);
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const block of this.blocks) yield* block;
  }

  /** The first item for which `accept` holds, visiting in order; undefined if none. */
  find(accept: (item: T) => boolean): T | undefined {
    for (const block of this.blocks) for (const item of block) if (accept(item)) return item;
    return undefined;
  }

  clear(): void {
    this.blocks = [];
    this.count = 0;
  }

  /** Index of the block that holds or would hold `item`: the first whose last item is >= it. */
  private blockFor(item: T): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = blocks[mid]!;
      if (this.cmp(block[block.length - 1]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index in `block` whose item is >= `item`. */
  private indexIn(block: T[], item: T): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(block[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
