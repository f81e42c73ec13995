import {readdirSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {createRng} from '../../../src/util/rng.js'
import {isSortedUids, readUidHex, sortUidRecords, sortUidStream, UID_RECORD_WORDS, writeUidHex} from '../../../src/pool/index.js'
import {useTempDir} from '../../helpers/tmp.js'

/** Hex uids with the shapes that stress a radix sort: random, shared prefixes, short (zero-padded), duplicates. */
function testUids(n: number, seed: string): string[] {
  const rng = createRng(seed)
  const hex = (digits: number) => Array.from({length: digits}, () => rng.int(16).toString(16)).join('')
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const kind = rng.int(10)
    if (kind < 6) out.push(hex(32))
    else if (kind < 8) out.push(`00000000abcdef${hex(18)}`)
    else if (kind < 9) out.push(hex(1 + rng.int(8)).padStart(32, '0'))
    else out.push(out.length > 0 ? rng.pick(out) : hex(32))
  }
  return out
}

function toWords(hexes: string[]): Uint32Array {
  const words = new Uint32Array(hexes.length * UID_RECORD_WORDS)
  hexes.forEach((h, i) => writeUidHex(h, words, i))
  return words
}

function toHexes(chunks: Uint32Array[]): string[] {
  const out: string[] = []
  for (const chunk of chunks) for (let i = 0; i < chunk.length / UID_RECORD_WORDS; i++) out.push(readUidHex(chunk, i))
  return out
}

async function* chunked(words: Uint32Array, records: number): AsyncGenerator<Uint32Array> {
  for (let i = 0; i < words.length; i += records * UID_RECORD_WORDS) yield words.slice(i, i + records * UID_RECORD_WORDS)
}

describe('sorting uid records', () => {
  it.each([0, 1, 2, 23, 24, 25, 1000, 50_000])('sorts %i records in memory exactly like sorting their hex strings', (n) => {
    const hexes = testUids(n, `mem-${n}`)
    const words = toWords(hexes)
    sortUidRecords(words)
    expect(toHexes([words])).toEqual([...hexes].sort())
    expect(isSortedUids(words)).toBe(true)
  })

  it('detects unsorted input', () => {
    expect(isSortedUids(toWords(['02', '01']))).toBe(false)
    expect(isSortedUids(toWords(['01', '01', '02']))).toBe(true)
  })

  const tmp = useTempDir()
  it('sorts beyond the memory budget with an external merge sort (many runs, more than one merge pass) and cleans up', async () => {
    const dir = tmp()
    const hexes = testUids(300_000, 'external')
    const runs: number[] = []
    const out: Uint32Array[] = []
    // 32 KiB of sort memory → runs of 1,024 records → 293 runs, more than one 128-way merge pass
    for await (const chunk of sortUidStream(chunked(toWords(hexes), 777), {memoryBytes: 32 * 1024, tmpDir: dir, chunkRecords: 5000, onRun: (r) => runs.push(r.records)})) out.push(chunk.slice())
    expect(runs.length).toBeGreaterThan(128)
    expect(toHexes(out)).toEqual([...hexes].sort())
    expect(readdirSync(dir)).toEqual([])
  })

  it('sorts in memory without touching disk when the input fits', async () => {
    const dir = tmp()
    const hexes = testUids(10_000, 'fits')
    let runs = 0
    const out: Uint32Array[] = []
    for await (const chunk of sortUidStream(chunked(toWords(hexes), 333), {memoryBytes: 1 << 20, tmpDir: dir, onRun: () => runs++})) out.push(chunk)
    expect(runs).toBe(0)
    expect(toHexes(out)).toEqual([...hexes].sort())
  })
})
