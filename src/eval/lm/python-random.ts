/**
 * CPython's `random.Random` (MT19937) — just the parts llm-foundry's few-shot sampling calls:
 * `Random(seed)`, `sample(range(n), k)` and `choice(range(n))`. The algorithms follow CPython 3.9–3.12
 * (`_randommodule.c` seeding by init_by_array over the seed's 32-bit words; `Random._randbelow_with_getrandbits`;
 * `Random.sample`'s pool/set strategy switch). Tests compare every function with the host's python3.
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(624)
  private index = 624

  /** `random.Random(seed)` for a non-negative integer seed below 2^53. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, received ${seed}`)
    let n = BigInt(Math.abs(seed))
    const key: number[] = []
    do {
      key.push(Number(n & 0xffffffffn))
      n >>= 32n
    } while (n > 0n)
    this.initByArray(key)
  }

  /** `getrandbits(k)` for 1 ≤ k ≤ 32. */
  getrandbits(k: number): number {
    if (k < 1 || k > 32) throw new RangeError(`getrandbits supports 1..32 bits here, received ${k}`)
    return this.nextUint32() >>> (32 - k)
  }

  /** `_randbelow(n)`: rejection sampling on n.bit_length() bits. */
  randbelow(n: number): number {
    if (n <= 0 || !Number.isSafeInteger(n) || n > 0xffffffff) throw new RangeError(`randbelow supports 1..2^32-1, received ${n}`)
    const k = 32 - Math.clz32(n)
    let r = this.getrandbits(k)
    while (r >= n) r = this.getrandbits(k)
    return r
  }

  /** `choice(range(n))`. */
  choiceBelow(n: number): number {
    return this.randbelow(n)
  }

  /** `sample(range(n), k)`: k distinct integers in [0, n), in selection order. */
  sampleRange(n: number, k: number): number[] {
    if (k < 0 || k > n) throw new RangeError(`sample larger than population or negative (n=${n}, k=${k})`)
    const result: number[] = new Array<number>(k)
    let setsize = 21
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4))
    if (n <= setsize) {
      const pool = Array.from({length: n}, (_, i) => i)
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i)
        result[i] = pool[j]!
        pool[j] = pool[n - i - 1]!
      }
      return result
    }
    const selected = new Set<number>()
    for (let i = 0; i < k; i++) {
      let j = this.randbelow(n)
      while (selected.has(j)) j = this.randbelow(n)
      selected.add(j)
      result[i] = j
    }
    return result
  }

  private initGenrand(s: number): void {
    const mt = this.mt
    mt[0] = s >>> 0
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0
    }
    this.index = 624
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt
    this.initGenrand(19650218)
    let i = 1
    let j = 0
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0
      i++
      j++
      if (i >= 624) {
        mt[0] = mt[623]!
        i = 1
      }
      if (j >= key.length) j = 0
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30)
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0
      i++
      if (i >= 624) {
        mt[0] = mt[623]!
        i = 1
      }
    }
    mt[0] = 0x80000000
  }

  private nextUint32(): number {
    const mt = this.mt
    if (this.index >= 624) {
      for (let kk = 0; kk < 624; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % 624]! & 0x7fffffff)
        mt[kk] = mt[(kk + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)
      }
      this.index = 0
    }
    let y = mt[this.index++]!
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }
}
