import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {UID_RECORD_WORDS, writeUidHex, writeUidIndex} from '../../../src/pool/index.js'
import {convertSubset, FileRangeDigest, loadSubset, OutOfOrder, uidNpyHeader, validateSubset, writeSubset} from '../../../src/subset/index.js'
import {createRng, type Rng} from '../../../src/util/rng.js'
import {useTempDir} from '../../helpers/tmp.js'

/** Uids that often share their high 32 or 64 bits, so every word of the comparison matters. */
function randomUid(rng: Rng): string {
  const word = (): string => (rng.chance(0.5) ? ['00000000', 'ffffffff', '80000000'][rng.int(3)] as string : rng.uint32().toString(16).padStart(8, '0'))
  return word() + word() + word() + word()
}

function records(hexes: readonly string[]): Uint32Array {
  const out = new Uint32Array(hexes.length * UID_RECORD_WORDS)
  hexes.forEach((h, i) => writeUidHex(h, out, i))
  return out
}

async function* once(words: Uint32Array): AsyncGenerator<Uint32Array> {
  yield words
}

function writeNpy(file: string, hexes: readonly string[]): void {
  const data = records(hexes)
  writeFileSync(file, Buffer.concat([uidNpyHeader(hexes.length), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]))
}

function sha256(hexes: readonly string[]): string {
  const data = records([...hexes].sort())
  return createHash('sha256').update(new Uint8Array(data.buffer)).digest('hex')
}

describe('validateSubset against brute force', () => {
  const tmp = useTempDir()

  for (const seed of [1, 2, 3]) {
    it(`finds the same strangers, repetition and fingerprint with tiny read chunks (seed ${seed})`, async () => {
      const rng = createRng(`validate-${seed}`)
      const dir = tmp()
      const pool = [...new Set(Array.from({length: 400}, () => randomUid(rng)))].sort()
      await writeUidIndex({out: join(dir, 'pool.uidx'), kind: 'datacomp', records: once(records(pool))})
      const chosen: string[] = []
      for (const uid of pool) {
        if (rng.chance(0.4)) for (let k = 1 + (rng.chance(0.2) ? rng.int(5) : 0); k > 0; k--) chosen.push(uid)
      }
      const strangers = new Set<string>()
      for (let i = 0; i < 15; i++) {
        const uid = randomUid(rng)
        if (pool.includes(uid)) continue
        strangers.add(uid)
        chosen.push(uid, ...(rng.chance(0.5) ? [uid] : []))
      }
      const sorted = [...chosen].sort()
      writeNpy(join(dir, 'sub.npy'), sorted)

      const counts = new Map<string, number>()
      for (const uid of sorted) counts.set(uid, (counts.get(uid) ?? 0) + 1)
      const histogram: Record<string, number> = {}
      for (const k of counts.values()) histogram[String(k)] = (histogram[String(k)] ?? 0) + 1
      const strangerSamples = sorted.filter((u) => strangers.has(u)).length

      for (const chunkRecords of [1, 2, 7, 1000]) {
        const report = await validateSubset({file: join(dir, 'sub.npy'), benchmark: 'datacomp', scale: 'tiny', poolIndex: join(dir, 'pool.uidx'), chunkRecords, maxExamples: 4})
        expect(report.count).toBe(counts.size)
        expect(report.samplesPerPass).toBe(sorted.length)
        expect(report.repetition.histogram).toEqual(histogram)
        expect(report.repetition.maxRepeat).toBe(Math.max(...counts.values()))
        expect(report.membership.strangers).toBe(strangers.size)
        expect(report.membership.strangerSamples).toBe(strangerSamples)
        expect(report.membership.examples).toEqual([...strangers].sort().slice(0, 4))
        expect(report.fingerprint).toBe(sha256(sorted))
        expect(report.sortedInFile).toBe(true)
        expect(report.valid).toBe(strangers.size === 0)
      }

      // the same subset shuffled: found out of order, then sorted and scanned to the same numbers
      const shuffled = rng.shuffle(sorted)
      writeNpy(join(dir, 'shuffled.npy'), shuffled)
      const report = await validateSubset({file: join(dir, 'shuffled.npy'), benchmark: 'datacomp', scale: 'tiny', poolIndex: join(dir, 'pool.uidx'), chunkRecords: 3, sortOut: join(dir, 'sorted.npy')})
      expect(report.sortedInFile).toBe(false)
      expect(report.firstUnsorted?.record).toBe(shuffled.findIndex((u, i) => i > 0 && u < (shuffled[i - 1] as string)))
      expect(report.fingerprint).toBe(sha256(sorted))
      expect(report.membership.strangers).toBe(strangers.size)
      expect(readFileSync(join(dir, 'sorted.npy'))).toEqual(readFileSync(join(dir, 'sub.npy')))
      expect(report.reasons.some((r) => r.startsWith('not in ascending order'))).toBe(false)
    })
  }

  it('agrees with loadSubset on size, distinct uids and fingerprint, for every output format', async () => {
    const rng = createRng('formats')
    const dir = tmp()
    const pool = Array.from({length: 200}, () => randomUid(rng))
    const uniquePool = [...new Set(pool)].sort()
    await writeUidIndex({out: join(dir, 'pool.uidx'), kind: 'datacomp', records: once(records(uniquePool))})
    const chosen = rng.shuffle([...uniquePool.slice(0, 50), ...uniquePool.slice(0, 5), uniquePool[7] as string])
    writeFileSync(join(dir, 'in.csv'), `uid\n${chosen.join('\n')}\n`)
    const fingerprints = new Set<string>()
    for (const out of ['a.npy', 'a.raw', 'a.parquet', 'a.csv']) {
      const converted = await convertSubset({input: join(dir, 'in.csv'), out: join(dir, out)})
      expect(converted.inputSorted).toBe(false)
      const report = await validateSubset({file: join(dir, out), benchmark: 'datacomp', scale: 'tiny', poolIndex: join(dir, 'pool.uidx')})
      const lookup = await loadSubset(join(dir, out))
      expect([report.samplesPerPass, report.count, report.valid]).toEqual([56, 50, true])
      expect([lookup.size, lookup.unique, lookup.fingerprint]).toEqual([56, 50, report.fingerprint])
      fingerprints.add(report.fingerprint).add(converted.fingerprint)
    }
    expect([...fingerprints]).toEqual([sha256(chosen)])
  })

  it('DCLM: estimates epochs from the pool\'s mean document length when the scale states its pool tokens', async () => {
    const dir = tmp()
    const rng = createRng('dclm-epochs')
    const ids = [...new Set(Array.from({length: 40}, () => randomUid(rng)))].sort()
    await writeUidIndex({out: join(dir, 'dclm.uidx'), kind: 'dclm', records: once(records(ids))})
    writeFileSync(join(dir, 'ids.csv'), `id,repeat\n${ids.slice(0, 10).map((id) => `${id},2`).join('\n')}\n`)
    const report = await validateSubset({file: join(dir, 'ids.csv'), benchmark: 'dclm', scale: '400m-1x', poolIndex: join(dir, 'dclm.uidx')})
    // 400m-1x: 20 × 411,616,256 tokens; pool 137B tokens (tracks info) over the index's documents
    const tokensPerPass = (20 * 137e9) / ids.length
    expect(report).toMatchObject({valid: true, count: 10, samplesPerPass: 20, poolSize: ids.length, poolSizeSource: 'pool index'})
    expect(report.epochs.estimated).toBe(true)
    expect(report.epochs.epochs).toBeCloseTo((20 * 411_616_256) / tokensPerPass, 9)
    // a DataComp validation refuses the DCLM index outright
    await expect(validateSubset({file: join(dir, 'ids.csv'), benchmark: 'datacomp', scale: 'tiny', poolIndex: join(dir, 'dclm.uidx')})).rejects.toThrow(/holds DCLM document ids/)
  })

  it('hashing the fingerprint in a worker thread changes nothing in the report, sorted or not', async () => {
    const rng = createRng('hash-in-worker')
    const dir = tmp()
    const pool = [...new Set(Array.from({length: 3000}, () => randomUid(rng)))].sort()
    await writeUidIndex({out: join(dir, 'pool.uidx'), kind: 'datacomp', records: once(records(pool))})
    const sorted = pool.filter(() => rng.chance(0.6)).flatMap((uid) => (rng.chance(0.1) ? [uid, uid] : [uid]))
    writeNpy(join(dir, 'sorted.npy'), sorted)
    writeNpy(join(dir, 'shuffled.npy'), rng.shuffle(sorted))
    for (const name of ['sorted.npy', 'shuffled.npy']) {
      const options = {file: join(dir, name), benchmark: 'datacomp', scale: 'tiny', poolIndex: join(dir, 'pool.uidx'), chunkRecords: 100}
      const inWorker = await validateSubset({...options, hashInWorker: true})
      const inline = await validateSubset({...options, hashInWorker: false})
      expect({...inWorker, seconds: 0, throughput: 0}).toEqual({...inline, seconds: 0, throughput: 0})
      expect(inWorker.fingerprint).toBe(sha256(sorted))
    }
  })

  it('FileRangeDigest hashes exactly the byte range, and names the file when it is shorter than the range', async () => {
    const dir = tmp()
    const bytes = new Uint8Array(5 * 2 ** 20 + 123).map((_, i) => (i * 7919) % 251)
    writeFileSync(join(dir, 'data.bin'), bytes)
    const digest = new FileRangeDigest({path: join(dir, 'data.bin'), offset: 77, length: bytes.length - 100})
    expect(await digest.digest()).toBe(createHash('sha256').update(bytes.subarray(77, bytes.length - 23)).digest('hex'))
    await digest.cancel()
    const short = new FileRangeDigest({path: join(dir, 'data.bin'), offset: 10, length: bytes.length})
    await expect(short.digest()).rejects.toThrow(`sha256 of ${join(dir, 'data.bin')}: ended at byte ${bytes.length}, before the ${bytes.length} bytes expected`)
  })

  it('writeSubset refuses records out of order and leaves no file behind', async () => {
    const dir = tmp()
    const out = join(dir, 'out.npy')
    await expect(writeSubset({out, records: once(records(['2', '1']))})).rejects.toBeInstanceOf(OutOfOrder)
    expect(readdirSync(dir)).toEqual([])
  })
})
