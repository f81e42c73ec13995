/**
 * bff's bloom filter (mlfoundations/dclm 361714b, dedup/bff/src/main.rs, `struct BloomFilter` and
 * `compute_bloom_size`): the sizing arithmetic is upstream's, line by line; the hash functions are not
 * (see `NgramHasher`), so which n-grams collide — the false positives — differ, while the rate the
 * formula predicts is the same.
 */

/** `BloomFilter::optimal_number_of_hashers`: ⌈(bits / n) · ln 2⌉. */
export function optimalNumberOfHashers(sizeInBytes: bigint, expectedElements: number): number {
  return Math.ceil((Number(sizeInBytes * 8n) / expectedElements) * Math.LN2)
}

/** `BloomFilter::prob_of_false_positive`: (1 − (1 − 1/m)^(k·n))^k, m the bits, n the elements, k the hashers. */
export function probOfFalsePositive(sizeInBytes: bigint, expectedElements: number, numHashers: number): number {
  const m = Number(sizeInBytes * 8n)
  return (1 - (1 - 1 / m) ** (numHashers * expectedElements)) ** numHashers
}

/** `compute_bloom_size(..., limit_to_sys=false, ...)`'s upper end (upstream's literal, as usize). */
const UNLIMITED_BYTES = 420_744_073_709_551_615n

export interface BloomSize {
  /** Bytes, before rounding down to whole 32-bit words. */
  bytes: bigint
  /** Whether the false-positive rate asked for needs more than the cap (then `bytes` is the cap). */
  capped: boolean
}

/**
 * `compute_bloom_size`: upstream's binary search (including its `hi = mid - 1` step, which can end a
 * byte or two below the smallest size that meets the rate) for the smallest filter whose predicted
 * false-positive rate is at most `fpRate`. Upstream starts at 90 % of the machine's RAM and uses it when
 * even that misses the rate; here the search starts at upstream's unlimited bound (the `sysreq`
 * figure, the same on every machine, so a subset does not depend on the RAM of the machine that made
 * it) and the cap is applied after. `numHashers` 0 = the optimal number for each size tried.
 */
export function computeBloomSize(fpRate: number, expectedNgramCount: number, numHashers: number, capBytes: bigint): BloomSize {
  let lo = 1n
  let hi = UNLIMITED_BYTES
  const hashers = (size: bigint): number => (numHashers === 0 ? optimalNumberOfHashers(size, expectedNgramCount) : numHashers)
  while (lo < hi - 1n) {
    const mid = lo + (hi - lo) / 2n
    if (probOfFalsePositive(mid, expectedNgramCount, hashers(mid)) > fpRate) lo = mid + 1n
    else hi = mid - 1n
  }
  return hi > capBytes ? {bytes: capBytes, capped: true} : {bytes: hi, capped: false}
}

/** An n-gram fingerprint (`NgramHasher.fingerprint`). */
export type Fingerprint = readonly [number, number]

/** murmur3's 32-bit finalizer: every input bit reaches every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85eb_ca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2_ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** Each token's two 32-bit hashes (`tokenHash`), in token order. */
export interface TokenHashes {
  a: Uint32Array
  b: Uint32Array
}

/** The hashes of `tokens`. */
export function hashTokens(tokens: readonly string[]): TokenHashes {
  const out = {a: new Uint32Array(tokens.length), b: new Uint32Array(tokens.length)}
  for (let i = 0; i < tokens.length; i++) [out.a[i], out.b[i]] = tokenHash(tokens[i]!)
  return out
}

/** Two independent 32-bit hashes of a string's UTF-16 code units (FNV-1a and a murmur-style mix). */
export function tokenHash(token: string): [number, number] {
  let a = 0x811c_9dc5
  let b = token.length ^ 0x9747_b28c
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i)
    a = Math.imul(a ^ c, 0x0100_0193)
    b = Math.imul(b ^ c, 0x5bd1_e995)
    b ^= b >>> 15
  }
  return [fmix32(a), fmix32(b)]
}

/**
 * The n-gram hashes. Upstream hashes the n-gram (a `VecDeque<&str>`) once per hasher with ahash
 * under random seeds drawn at start (`RandomState::with_seeds`, `thread_rng`), so its false positives
 * change from run to run. Here each token is hashed once (`tokenHash`), an n-gram's 64-bit fingerprint
 * combines its tokens in order, and hasher i mixes the fingerprint with its own seeds, drawn from
 * `seed`: k hash functions as upstream has, reproducible. Two different n-grams share a fingerprint
 * with probability about 2⁻⁶⁴ per pair — far below the filter's own false-positive rate.
 */
export class NgramHasher {
  readonly seeds: Uint32Array

  constructor(readonly numHashers: number, seed: number) {
    this.seeds = new Uint32Array(numHashers * 2)
    let state = fmix32(seed ^ 0x2545_f491) || 1
    for (let i = 0; i < this.seeds.length; i++) {
      state = fmix32(state + 0x9e37_79b9 + i)
      this.seeds[i] = state
    }
  }

  /** The fingerprint of tokens[from, to): two 32-bit lanes, order-sensitive, length-prefixed like Rust's `Hash` for a sequence. */
  fingerprint(tokens: TokenHashes, from: number, to: number): Fingerprint {
    let a = (to - from) ^ 0x2f69_3a5b
    let b = Math.imul(to - from, 0x27d4_eb2d) ^ 0x6c8e_9cf5
    for (let i = from; i < to; i++) {
      const ta = tokens.a[i]!
      const tb = tokens.b[i]!
      a = Math.imul((a ^ ta) << 13 | (a ^ ta) >>> 19, 0x9e37_79b1) + 0x7f4a_7c15
      b = Math.imul((b ^ tb) << 17 | (b ^ tb) >>> 15, 0x85eb_ca77) + 0x1656_67b1
    }
    return [fmix32(a), fmix32(b)]
  }

  /**
   * The k hashes of a fingerprint, each as upstream's `insert_hashes` uses a u64: a 53-bit value v
   * here, split into word index ⌊v / 32⌋ mod words and bit v mod 32. Written to `out` (2 numbers a hash).
   */
  hashes([a, b]: readonly [number, number], out: Float64Array): Float64Array {
    for (let i = 0; i < this.numHashers; i++) {
      const lo = fmix32(a ^ fmix32(b ^ this.seeds[2 * i]!))
      const hi = fmix32(b ^ fmix32(a ^ this.seeds[2 * i + 1]!))
      // v / 32 and v mod 32 of v = (hi mod 2^21) · 2^32 + lo, exact in a double
      out[2 * i] = (hi & 0x1f_ffff) * 2 ** 27 + (lo >>> 5)
      out[2 * i + 1] = lo & 31
    }
    return out
  }
}

/** The bit array: `Vec<AtomicU32>` of ⌊bytes / 4⌋ words, as upstream's `BloomFilter::new`. */
export class BloomBits {
  readonly words: Uint32Array

  constructor(sizeInBytes: bigint) {
    this.words = new Uint32Array(Number(sizeInBytes / 4n))
  }

  get sizeInBytes(): number {
    return this.words.length * 4
  }

  /** `contains_hashes`: every hash's bit is set. */
  contains(hashes: Float64Array, count: number): boolean {
    const n = this.words.length
    for (let i = 0; i < count; i++) if ((this.words[hashes[2 * i]! % n]! & (1 << hashes[2 * i + 1]!)) === 0) return false
    return true
  }

  /** `insert_hashes`. */
  insert(hashes: Float64Array, count: number): void {
    const n = this.words.length
    for (let i = 0; i < count; i++) this.words[hashes[2 * i]! % n]! |= 1 << hashes[2 * i + 1]!
  }
}

/** bff's `BloomFilter`: k hashers over one bit array; n-grams go in and are looked up by fingerprint. */
export class BloomFilter {
  readonly bits: BloomBits
  private readonly scratch: Float64Array

  constructor(readonly hasher: NgramHasher, sizeInBytes: bigint) {
    this.bits = new BloomBits(sizeInBytes)
    this.scratch = new Float64Array(hasher.numHashers * 2)
  }

  contains(fp: Fingerprint): boolean {
    return this.bits.contains(this.hasher.hashes(fp, this.scratch), this.hasher.numHashers)
  }

  insert(fp: Fingerprint): void {
    this.bits.insert(this.hasher.hashes(fp, this.scratch), this.hasher.numHashers)
  }
}
