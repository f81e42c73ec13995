import {createHash} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {UID_RECORD_WORDS, writeUidHex} from '../../../src/pool/index.js'
import {SCAN_KERNEL_WASM} from '../../../src/subset/scan-kernel.wasm.js'
import {SubsetScanner, type ScanResult} from '../../../src/subset/index.js'
import {createRng, type Rng} from '../../../src/util/rng.js'
import {assembleWat, WASM_KERNELS} from '../../../scripts/wasm-kernels.js'

function records(hexes: readonly string[]): Uint32Array {
  const out = new Uint32Array(hexes.length * UID_RECORD_WORDS)
  hexes.forEach((h, i) => writeUidHex(h, out, i))
  return out
}

/** Uids in few "families": many share their first 64 bits, so the second u64 decides order and membership. */
function familyUid(rng: Rng): string {
  const first = ['0000000000000000', 'ffffffffffffffff', '8000000000000000', '00000001ffffffff'][rng.int(4)] as string
  const second = rng.chance(0.3) ? ['0000000000000000', 'ffffffffffffffff'][rng.int(2)] as string : rng.uint32().toString(16).padStart(8, '0') + rng.uint32().toString(16).padStart(8, '0')
  return rng.chance(0.5) ? first + second : rng.uint32().toString(16).padStart(8, '0') + first.slice(8) + second
}

/** Splits records into chunks of random sizes (0 included). */
function* randomChunks(words: Uint32Array, rng: Rng, max: number): Generator<Uint32Array> {
  let at = 0
  while (at < words.length) {
    const n = rng.int(max + 1)
    yield words.subarray(at, at + n * UID_RECORD_WORDS)
    at += n * UID_RECORD_WORDS
  }
}

async function scan(subset: readonly string[], pool: readonly string[] | undefined, rng: Rng, sizes: {kernel: number; subsetChunk: number; indexChunk: number}, maxExamples = 5): Promise<{result?: ScanResult; scanner: SubsetScanner}> {
  const poolWords = pool && records(pool)
  const scanner = new SubsetScanner({
    chunkRecords: sizes.kernel,
    maxExamples,
    index: poolWords && (async function* () {
      for (const chunk of randomChunks(poolWords, rng, sizes.indexChunk)) yield chunk
    }),
  })
  for (const chunk of randomChunks(records(subset), rng, sizes.subsetChunk)) {
    if (!(await scanner.add(chunk))) {
      await scanner.close()
      return {scanner}
    }
  }
  const result = await scanner.finish()
  await scanner.close()
  return {result, scanner}
}

function bruteForce(sorted: readonly string[], pool: ReadonlySet<string>, maxExamples: number) {
  const runs = new Map<string, number>()
  for (const uid of sorted) runs.set(uid, (runs.get(uid) ?? 0) + 1)
  const histogram: Record<string, number> = {}
  for (const k of runs.values()) histogram[String(k)] = (histogram[String(k)] ?? 0) + 1
  const strangers = [...runs.keys()].filter((uid) => !pool.has(uid))
  return {
    records: sorted.length,
    unique: runs.size,
    repetition: {
      repeatedUids: [...runs.values()].filter((k) => k > 1).length,
      extraSamples: sorted.length - runs.size,
      maxRepeat: Math.max(0, ...runs.values()),
      histogram,
    },
    strangers: {unique: strangers.length, records: sorted.filter((uid) => !pool.has(uid)).length, examples: strangers.slice(0, maxExamples)},
    sha256: createHash('sha256').update(records(sorted)).digest('hex'),
  }
}

describe('scan kernel (WebAssembly)', () => {
  it('is embedded exactly as src/subset/scan-kernel.wat assembles (run `npm run wasm` after editing the .wat)', async () => {
    const kernel = WASM_KERNELS.find((k) => k.exportName === 'SCAN_KERNEL_WASM')
    expect(kernel).toBeDefined()
    expect(Buffer.from(await assembleWat((kernel as (typeof WASM_KERNELS)[number]).source))).toEqual(SCAN_KERNEL_WASM)
  })

  for (const seed of [1, 2, 3, 4]) {
    it(`matches brute force on runs past the kernel's histogram, shared first words and strangers past the index's end (seed ${seed})`, async () => {
      const rng = createRng(`scan-kernel-${seed}`)
      const pool = [...new Set(Array.from({length: 300}, () => familyUid(rng)))].sort()
      const subset: string[] = []
      for (const uid of [...pool, ...Array.from({length: 40}, () => familyUid(rng))]) {
        if (!rng.chance(0.5)) continue
        // mostly single uses; some runs of 2–5, a few longer than the kernel's 64-entry histogram
        const run = rng.chance(0.7) ? 1 : rng.chance(0.8) ? 2 + rng.int(4) : 60 + rng.int(90)
        for (let k = 0; k < run; k++) subset.push(uid)
      }
      subset.push(...Array(3).fill('ffffffffffffffffffffffffffffffff')) // after every index record
      subset.sort()
      const expected = bruteForce(subset, new Set(pool), 5)
      for (const sizes of [
        {kernel: 1, subsetChunk: 3, indexChunk: 2},
        {kernel: 7, subsetChunk: 40, indexChunk: 5},
        {kernel: 64, subsetChunk: 30, indexChunk: 200},
        {kernel: 4096, subsetChunk: 4096, indexChunk: 4096},
      ]) {
        const {result} = await scan(subset, pool, rng, sizes)
        expect(result, JSON.stringify(sizes)).toEqual(expected)
        const withoutIndex = await scan(subset, undefined, rng, sizes)
        expect(withoutIndex.result).toEqual({...expected, strangers: undefined})
      }
    })
  }

  it('stops at the first record below the one before, whichever word decides, with chunks larger than its buffers', async () => {
    const base = ['00000000000000010000000000000005', '00000000000000010000000000000007', '00000000000000020000000000000000']
    const cases = [
      {subset: [...base, '00000000000000010000000000000009'], at: 3}, // first u64 smaller
      {subset: [base[0] as string, base[1] as string, base[1] as string, '00000000000000010000000000000006'], at: 3}, // first u64 equal, second smaller
      {subset: ['ffffffffffffffffffffffffffffffff', '00000000000000000000000000000000'], at: 1},
    ]
    for (const {subset, at} of cases) {
      const {result, scanner} = await scan(subset, base, createRng('descent'), {kernel: 2, subsetChunk: 1000, indexChunk: 1})
      expect(result).toBeUndefined()
      expect(scanner.descent).toEqual({record: at, uid: subset[at], previous: subset[at - 1]})
    }
  })

  it('keeps only the first maxExamples strangers, and none with maxExamples 0', async () => {
    const subset = Array.from({length: 30}, (_, i) => (i + 1).toString(16).padStart(32, '0'))
    for (const maxExamples of [0, 1, 12]) {
      const {result} = await scan(subset, [], createRng('examples'), {kernel: 4, subsetChunk: 5, indexChunk: 1}, maxExamples)
      expect(result?.strangers).toEqual({unique: 30, records: 30, examples: subset.slice(0, maxExamples)})
    }
  })
})
