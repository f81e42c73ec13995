import {createHash} from 'node:crypto'

/**
 * A seeded deterministic pseudo-random generator (xoshiro128**, 128-bit state seeded through sha256).
 * Same seed → same sequence on every platform and Node version: everything synthetic in dcbench
 * (tiny pools, tiny eval suites) is generated from one of these, so a seed names a data set.
 */
export interface Rng {
  /** The key this generator was seeded from (the seed, then `/label` for each fork). */
  readonly key: string
  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number
  /** An integer in [0, n). `n` must be a positive integer. */
  int(n: number): number
  /** A float in [min, max). */
  range(min: number, max: number): number
  /** true with probability p. */
  chance(p: number): boolean
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** A shuffled copy (Fisher–Yates); the input is not changed. */
  shuffle<T>(items: readonly T[]): T[]
  /** 32 random bits as an unsigned integer. */
  uint32(): number
  /**
   * An independent generator for a named sub-task. It depends only on this generator's key and the
   * label — not on how many numbers were drawn before — so adding draws in one part of a generator
   * never changes what another part produces.
   */
  fork(label: string): Rng
}

/** A generator for a seed (a number or any string). */
export function createRng(seed: number | string): Rng {
  return new Xoshiro128(String(seed))
}

class Xoshiro128 implements Rng {
  readonly key: string
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(key: string) {
    this.key = key
    const digest = createHash('sha256').update(`dcbench-rng:${key}`).digest()
    this.a = digest.readUInt32LE(0)
    this.b = digest.readUInt32LE(4)
    this.c = digest.readUInt32LE(8)
    this.d = digest.readUInt32LE(12)
    // xoshiro's state must not be all zero; sha256 makes that astronomically unlikely, but be exact.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  next(): number {
    return this.uint32() / 4294967296
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int needs a positive integer, got ${n}`)
    return Math.floor(this.next() * n)
  }

  range(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('rng.pick needs a non-empty array')
    return items[this.int(items.length)] as T
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }

  fork(label: string): Rng {
    return new Xoshiro128(`${this.key}/${label}`)
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
