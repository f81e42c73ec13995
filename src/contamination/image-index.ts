import {hammingDistance, type Hash64} from './image-hash.js'

/**
 * The eval side of the image check: exact duplicates by pixel sha256, and near duplicates by
 * perceptual hash (image-hash.ts) — every crop hash of every detailed eval image, searched by
 * multi-index hashing (Norouzi et al.): the 64 bits are cut into four 16-bit blocks; two hashes
 * within distance d agree to within ⌊d/4⌋ bits on at least one block, so a query probes, per block,
 * the buckets of every 16-bit value that close to its own and checks the full distance of what it
 * finds there. Entries carry a posting (ngram-table.ts: task and example).
 */
export class ImageIndex {
  private readonly exact = new Map<string, number[]>()
  private hi = new Uint32Array(1024)
  private lo = new Uint32Array(1024)
  private owner = new Uint32Array(1024)
  private entries = 0
  private blocks: {offsets: Uint32Array; items: Uint32Array}[] | undefined
  private seen = new Uint32Array(0)
  private stamp = 0

  /** Distinct eval images by pixels, and crop hashes held. */
  get exactCount(): number {
    return this.exact.size
  }

  get nearCount(): number {
    return this.entries
  }

  /** Adds an eval image: its pixel sha256 always, its crop hashes when it is detailed. */
  add(posting: number, sha256: string, crops: readonly Hash64[]): void {
    const list = this.exact.get(sha256)
    if (list) list.push(posting)
    else this.exact.set(sha256, [posting])
    for (const hash of crops) {
      if (this.entries === this.hi.length) this.grow()
      this.hi[this.entries] = hash.hi
      this.lo[this.entries] = hash.lo
      this.owner[this.entries++] = posting
    }
    this.blocks = undefined
  }

  /** Postings of the eval images with exactly these pixels. */
  findExact(sha256: string): readonly number[] {
    return this.exact.get(sha256) ?? []
  }

  /** Each posting with a crop hash within `maxDistance` of `hash`, with its smallest distance. */
  findNear(hash: Hash64, maxDistance: number): Map<number, number> {
    const found = new Map<number, number>()
    if (this.entries === 0) return found
    const blocks = this.blocks ?? this.buildBlocks()
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0)
      this.stamp = 1
    }
    const radius = Math.floor(maxDistance / 4)
    for (let b = 0; b < 4; b++) {
      const value = blockOf(hash.hi, hash.lo, b)
      const {offsets, items} = blocks[b]!
      forEachWithin(value, radius, (probe) => {
        for (let k = offsets[probe]!; k < offsets[probe + 1]!; k++) {
          const entry = items[k]!
          if (this.seen[entry] === this.stamp) continue
          this.seen[entry] = this.stamp
          const distance = hammingDistance(hash, {hi: this.hi[entry]!, lo: this.lo[entry]!})
          if (distance > maxDistance) continue
          const posting = this.owner[entry]!
          const best = found.get(posting)
          if (best === undefined || distance < best) found.set(posting, distance)
        }
      })
    }
    return found
  }

  /** Bytes the index holds (without the exact map's strings). */
  get bytes(): number {
    return this.entries * 12 + (this.blocks ? this.blocks.reduce((sum, b) => sum + b.offsets.byteLength + b.items.byteLength, 0) : 0) + this.exact.size * 80
  }

  /** The index as arrays (for the on-disk cache). */
  encode(): Uint8Array[] {
    const shas = Buffer.alloc(this.exact.size * 32)
    const counts = new Uint32Array(this.exact.size)
    const postings: number[] = []
    let i = 0
    for (const [sha, list] of this.exact) {
      shas.write(sha, i * 32, 'hex')
      counts[i++] = list.length
      postings.push(...list)
    }
    const arrays = [counts, Uint32Array.from(postings), this.hi.subarray(0, this.entries), this.lo.subarray(0, this.entries), this.owner.subarray(0, this.entries)]
    return [new Uint8Array(shas.buffer, shas.byteOffset, shas.byteLength), ...arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))]
  }

  /** Reads an index written by `encode`; undefined when the parts do not fit together. */
  static decode(parts: readonly Uint8Array[]): ImageIndex | undefined {
    if (parts.length !== 6) return undefined
    const [shas, ...rest] = parts as [Uint8Array, ...Uint8Array[]]
    if (rest.some((p) => p.byteLength % 4 !== 0 || p.byteOffset % 4 !== 0)) return undefined
    const [counts, postings, hi, lo, owner] = rest.map((p) => new Uint32Array(p.buffer, p.byteOffset, p.byteLength / 4)) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array]
    if (shas.byteLength !== counts.length * 32 || hi.length !== lo.length || hi.length !== owner.length) return undefined
    if (counts.reduce((a, b) => a + b, 0) !== postings.length) return undefined
    const index = new ImageIndex()
    let at = 0
    for (let i = 0; i < counts.length; i++) {
      index.exact.set(Buffer.from(shas.subarray(i * 32, i * 32 + 32)).toString('hex'), [...postings.subarray(at, at + counts[i]!)])
      at += counts[i]!
    }
    index.hi = hi.slice()
    index.lo = lo.slice()
    index.owner = owner.slice()
    index.entries = hi.length
    return index
  }

  private grow(): void {
    for (const key of ['hi', 'lo', 'owner'] as const) {
      const bigger = new Uint32Array(Math.max(1024, this[key].length * 2))
      bigger.set(this[key])
      this[key] = bigger
    }
  }

  private buildBlocks(): {offsets: Uint32Array; items: Uint32Array}[] {
    this.seen = new Uint32Array(this.entries)
    this.stamp = 0
    const blocks = [0, 1, 2, 3].map((b) => {
      const offsets = new Uint32Array(65537)
      for (let e = 0; e < this.entries; e++) offsets[blockOf(this.hi[e]!, this.lo[e]!, b) + 1]!++
      for (let v = 0; v < 65536; v++) offsets[v + 1]! += offsets[v]!
      const fill = offsets.slice(0, 65536)
      const items = new Uint32Array(this.entries)
      for (let e = 0; e < this.entries; e++) items[fill[blockOf(this.hi[e]!, this.lo[e]!, b)]!++] = e
      return {offsets, items}
    })
    return (this.blocks = blocks)
  }
}

function blockOf(hi: number, lo: number, block: number): number {
  const word = block < 2 ? lo : hi
  return (block % 2 === 0 ? word : word >>> 16) & 0xffff
}

/** Calls `visit` with every 16-bit value within `radius` bits of `value` (itself first). */
function forEachWithin(value: number, radius: number, visit: (v: number) => void): void {
  const flip = (v: number, from: number, left: number): void => {
    visit(v)
    if (left === 0) return
    for (let bit = from; bit < 16; bit++) flip(v ^ (1 << bit), bit + 1, left - 1)
  }
  flip(value, 0, Math.min(radius, 16))
}
