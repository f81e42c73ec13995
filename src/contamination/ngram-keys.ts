import {fmix32, type WordList} from './text-words.js'

/**
 * 64-bit keys of word n-grams: a polynomial hash over the words' two 32-bit lanes (mod 2^32, one odd
 * base per lane), so that the key of any span is two multiplications away from the prefix sums, and
 * every length a scan needs costs the same. The span length is mixed into the key, then each lane
 * goes through fmix32, so keys spread evenly over a hash table.
 *
 * Two texts with the same words give the same keys; different word sequences collide with
 * probability about 2^-64 per pair. A scan of 10^10 document n-grams against 10^7 eval n-grams
 * expects under 0.01 false matches.
 */

const BASE1 = 0x01000193
const BASE2 = 0x5bd1e995

/** Prefix sums of a word list's lanes, reused from document to document. */
export class NgramKeys {
  private prefix1 = new Uint32Array(1025)
  private prefix2 = new Uint32Array(1025)
  private readonly power1: number[] = [1]
  private readonly power2: number[] = [1]
  /** The key of the last `key()` call. */
  k1 = 0
  k2 = 0

  /** Prepares the prefix sums of `words` (valid until the next call). */
  load(words: WordList): void {
    const n = words.count
    if (this.prefix1.length < n + 1) {
      const size = Math.max(n + 1, this.prefix1.length * 2)
      this.prefix1 = new Uint32Array(size)
      this.prefix2 = new Uint32Array(size)
    }
    const p1 = this.prefix1
    const p2 = this.prefix2
    let a = 0
    let b = 0
    for (let i = 0; i < n; i++) {
      a = (Math.imul(a, BASE1) + words.lane1[i]!) >>> 0
      b = (Math.imul(b, BASE2) + words.lane2[i]!) >>> 0
      p1[i + 1] = a
      p2[i + 1] = b
    }
  }

  /** Sets `k1`, `k2` to the key of words [from, from + length) of the loaded list. */
  key(from: number, length: number): void {
    const to = from + length
    const raw1 = (this.prefix1[to]! - Math.imul(this.prefix1[from]!, this.pow1(length))) >>> 0
    const raw2 = (this.prefix2[to]! - Math.imul(this.prefix2[from]!, this.pow2(length))) >>> 0
    this.k1 = fmix32(raw1 ^ Math.imul(length, 0x9e3779b9))
    this.k2 = fmix32((raw2 + Math.imul(length, 0x7f4a7c15)) >>> 0)
  }

  private pow1(length: number): number {
    while (this.power1.length <= length) this.power1.push(Math.imul(this.power1.at(-1)!, BASE1) >>> 0)
    return this.power1[length]!
  }

  private pow2(length: number): number {
    while (this.power2.length <= length) this.power2.push(Math.imul(this.power2.at(-1)!, BASE2) >>> 0)
    return this.power2[length]!
  }
}
