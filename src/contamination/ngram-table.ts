import {DcbError} from '../errors.js'

/**
 * The eval side of the n-gram check: a compact hash set of 64-bit n-gram keys (ngram-keys.ts), each
 * with the eval examples it occurs in. Open addressing with linear probing at a load of at most ½,
 * three 32-bit words per slot (key, key, value), so a lookup touches one cache line. The value is 0
 * for an empty slot, `posting + 1` when the n-gram occurs in one example (nearly all of them), and
 * `OVERFLOW + i` for the head of a chain of postings otherwise. A posting packs the task index (7
 * bits) and the example index (24 bits).
 *
 * A bit filter over the keys (16 bits per key, at most 32 MiB) answers most lookups of document
 * n-grams, which almost never match, from the CPU cache.
 */

export const MAX_TASKS = 128
export const MAX_EXAMPLES = 1 << 24
const OVERFLOW = 0x80000001
const EMPTY_HEAD = 0xffffffff

/** A posting: which example of which task an n-gram occurs in. */
export function packPosting(task: number, example: number): number {
  if (task >= MAX_TASKS) throw new DcbError('DCB_CONTAMINATION_INPUT', `contamination check: ${task + 1} tasks; at most ${MAX_TASKS} can be checked in one run`, {suggestions: ['check fewer tasks at a time (--tasks)']})
  if (example >= MAX_EXAMPLES) throw new DcbError('DCB_CONTAMINATION_INPUT', `contamination check: a task with more than ${MAX_EXAMPLES} examples; at most ${MAX_EXAMPLES} per task can be checked`)
  return ((task << 24) | example) >>> 0
}

export function postingTask(posting: number): number {
  return posting >>> 24
}

export function postingExample(posting: number): number {
  return posting & 0xffffff
}

export class NgramTable {
  private slots: Uint32Array
  private mask: number
  /** Distinct keys. */
  size = 0
  private chainPosting = new Uint32Array(1024)
  private chainNext = new Uint32Array(1024)
  private chains = 0
  private filter: Uint32Array | undefined
  private filterMask = 0

  constructor(capacity = 1 << 12) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity)))
    this.slots = new Uint32Array(slots * 3)
    this.mask = slots - 1
  }

  /** Adds `posting` under the key, unless it is already the key's latest posting. */
  add(k1: number, k2: number, posting: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2)
    this.filter = undefined
    const s = this.slots
    let i = k1 & this.mask
    for (;;) {
      const at = i * 3
      const value = s[at + 2]!
      if (value === 0) {
        s[at] = k1
        s[at + 1] = k2
        s[at + 2] = posting + 1
        this.size++
        return
      }
      if (s[at] === k1 && s[at + 1] === k2) {
        if (value < OVERFLOW) {
          if (value - 1 === posting) return
          const first = this.newChain(value - 1, EMPTY_HEAD)
          s[at + 2] = OVERFLOW + this.newChain(posting, first)
        } else {
          const head = value - OVERFLOW
          if (this.chainPosting[head] === posting) return
          s[at + 2] = OVERFLOW + this.newChain(posting, head)
        }
        return
      }
      i = (i + 1) & this.mask
    }
  }

  /** The value stored for a key (0: absent); read its postings with `postings`. */
  lookup(k1: number, k2: number): number {
    const filter = this.filter ?? this.buildFilter()
    const bit = k2 & this.filterMask
    if (((filter[bit >>> 5]! >>> (bit & 31)) & 1) === 0) return 0
    const s = this.slots
    let i = k1 & this.mask
    for (;;) {
      const at = i * 3
      const value = s[at + 2]!
      if (value === 0) return 0
      if (s[at] === k1 && s[at + 1] === k2) return value
      i = (i + 1) & this.mask
    }
  }

  /** Calls `visit` with each posting of a value from `lookup`. */
  postings(value: number, visit: (posting: number) => void): void {
    if (value === 0) return
    if (value < OVERFLOW) {
      visit(value - 1)
      return
    }
    for (let at = value - OVERFLOW; at !== EMPTY_HEAD; at = this.chainNext[at]!) visit(this.chainPosting[at]!)
  }

  /** Bytes held by the table, its chains and its filter. */
  get bytes(): number {
    return this.slots.byteLength + this.chainPosting.byteLength + this.chainNext.byteLength + (this.filter?.byteLength ?? 0)
  }

  /** The table as bytes (for the on-disk cache): a header of 4 numbers, then the arrays. */
  encode(): Uint8Array[] {
    const header = new Uint32Array([this.mask + 1, this.size, this.chains, 0])
    return [header, this.slots, this.chainPosting.subarray(0, this.chains), this.chainNext.subarray(0, this.chains)].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  }

  /** Reads a table written by `encode`; undefined when the parts are not one (a damaged cache file). */
  static decode(parts: readonly Uint8Array[]): NgramTable | undefined {
    if (parts.length !== 4 || parts.some((p) => p.byteLength % 4 !== 0 || p.byteOffset % 4 !== 0)) return undefined
    const [header, slots, chainPosting, chainNext] = parts.map((p) => new Uint32Array(p.buffer, p.byteOffset, p.byteLength / 4)) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array]
    if (header.length !== 4) return undefined
    const [capacity, size, chains] = [header[0]!, header[1]!, header[2]!]
    if (capacity < 16 || (capacity & (capacity - 1)) !== 0 || slots.length !== capacity * 3 || size * 2 > capacity) return undefined
    if (chainPosting.length !== chains || chainNext.length !== chains) return undefined
    for (const next of chainNext) if (next !== EMPTY_HEAD && next >= chains) return undefined
    for (let at = 2; at < slots.length; at += 3) if (slots[at]! >= OVERFLOW && slots[at]! - OVERFLOW >= chains) return undefined
    const table = new NgramTable(16)
    table.slots = slots.slice()
    table.mask = capacity - 1
    table.size = size
    table.chainPosting = chainPosting.slice()
    table.chainNext = chainNext.slice()
    table.chains = chains
    return table
  }

  private newChain(posting: number, next: number): number {
    if (this.chains === this.chainPosting.length) {
      for (const key of ['chainPosting', 'chainNext'] as const) {
        const bigger = new Uint32Array(Math.max(1024, this.chains * 2))
        bigger.set(this[key])
        this[key] = bigger
      }
    }
    this.chainPosting[this.chains] = posting
    this.chainNext[this.chains] = next
    return this.chains++
  }

  private resize(slots: number): void {
    const old = this.slots
    this.slots = new Uint32Array(slots * 3)
    this.mask = slots - 1
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === 0) continue
      let i = old[at]! & this.mask
      while (this.slots[i * 3 + 2] !== 0) i = (i + 1) & this.mask
      this.slots.set(old.subarray(at, at + 3), i * 3)
    }
  }

  private buildFilter(): Uint32Array {
    const bits = 2 ** Math.min(28, Math.max(16, Math.ceil(Math.log2(Math.max(1, this.size) * 16))))
    const filter = new Uint32Array(bits / 32)
    this.filterMask = bits - 1
    const s = this.slots
    for (let at = 0; at < s.length; at += 3) {
      if (s[at + 2] === 0) continue
      const bit = s[at + 1]! & this.filterMask
      filter[bit >>> 5]! |= 1 << (bit & 31)
    }
    return (this.filter = filter)
  }
}
