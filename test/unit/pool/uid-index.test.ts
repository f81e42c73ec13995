import {createHash} from 'node:crypto'
import {readFileSync, truncateSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {readUidHex, readUidIndexHeader, readUidIndexRecords, UID_RECORD_WORDS, writeUidHex, writeUidIndex} from '../../../src/pool/index.js'
import {useTempDir} from '../../helpers/tmp.js'

async function* once(words: Uint32Array): AsyncGenerator<Uint32Array> {
  yield words
}

function words(hexes: string[]): Uint32Array {
  const out = new Uint32Array(hexes.length * UID_RECORD_WORDS)
  hexes.forEach((h, i) => writeUidHex(h, out, i))
  return out
}

describe('the .uidx pool index', () => {
  const tmp = useTempDir()

  it('writes the documented header and records, and reads them back', async () => {
    const file = join(tmp(), 'pool.uidx')
    const hexes = ['00000000000000000000000000000001', '0000000000000000000000000000000a', '0000000000000000000000000000000a', 'ffffffffffffffffffffffffffffffff']
    const header = await writeUidIndex({out: file, kind: 'datacomp', records: once(words(hexes))})
    const bytes = readFileSync(file)
    expect(bytes.length).toBe(64 + 16 * 4)
    expect(bytes.toString('latin1', 0, 8)).toBe('DCBUIDX\0')
    expect(bytes.readUInt32LE(8)).toBe(1)
    expect(bytes.readUInt32LE(12)).toBe(1)
    expect(bytes.readBigUInt64LE(16)).toBe(4n)
    expect(bytes.readBigUInt64LE(56)).toBe(3n)
    expect(bytes.toString('hex', 24, 56)).toBe(createHash('sha256').update(bytes.subarray(64)).digest('hex'))
    expect(header).toMatchObject({count: 4, unique: 3, kind: 'datacomp', version: 1, sha256: bytes.toString('hex', 24, 56)})
    expect(await readUidIndexHeader(file)).toEqual(header)
    const back: string[] = []
    for await (const chunk of readUidIndexRecords(header, 3)) for (let i = 0; i < chunk.length / 4; i++) back.push(readUidHex(chunk, i))
    expect(back).toEqual(hexes)
  })

  it('refuses unsorted records and leaves no file behind', async () => {
    const dir = tmp()
    const file = join(dir, 'bad.uidx')
    await expect(writeUidIndex({out: file, kind: 'dclm', records: once(words(['02', '01']))})).rejects.toThrow(/out of order/)
    expect(() => readFileSync(file)).toThrow()
  })

  it.each([
    ['a truncated index', (f: string) => truncateSync(f, 64 + 16 + 3), /size 83 bytes but the header declares 2 records \(96 bytes\)/],
    ['a file that is not an index', (f: string) => writeFileSync(f, 'hello world, not an index at all........................................'), /not a dcbench uid index/],
    ['a newer format version', (f: string) => {
      const b = readFileSync(f)
      b.writeUInt32LE(9, 8)
      writeFileSync(f, b)
    }, /format version 9; this dcbench reads version 1/],
  ])('names the problem with %s', async (_what, damage, message) => {
    const file = join(tmp(), 'pool.uidx')
    await writeUidIndex({out: file, kind: 'datacomp', records: once(words(['01', '02']))})
    damage(file)
    await expect(readUidIndexHeader(file)).rejects.toThrow(message)
  })
})
