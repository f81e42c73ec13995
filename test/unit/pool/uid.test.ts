import {describe, expect, it} from 'vitest'

import {createRng} from '../../../src/util/rng.js'
import {compareUids, isUidHex, readUidHex, recordBytes, uidRecord, UID_RECORD_WORDS, writeUidHex} from '../../../src/pool/index.js'

function randomHex(rng: ReturnType<typeof createRng>, digits = 32): string {
  let out = ''
  for (let i = 0; i < digits; i++) out += rng.int(16).toString(16)
  return out
}

describe('uid records', () => {
  it('lay out a uid as the DataComp npy does: f0 = high 64 bits, f1 = low 64 bits, little-endian (spec §2.3 example)', () => {
    const bytes = Buffer.from(recordBytes(uidRecord('139e4a9b22a614771f06c700a8ebe150')))
    expect(bytes.toString('hex')).toBe('7714a6229b4a9e13' + '50e1eba800c7061f')
  })

  it('round-trips hex, lower-cases it and left-pads short uids as int(uid, 16) does', () => {
    const rng = createRng('uid')
    for (let i = 0; i < 1000; i++) {
      const hex = randomHex(rng)
      expect(readUidHex(uidRecord(hex), 0)).toBe(hex)
    }
    expect(readUidHex(uidRecord('ABCDEF'), 0)).toBe('00000000000000000000000000abcdef')
    expect(readUidHex(uidRecord('1'), 0)).toBe(`${'0'.repeat(31)}1`)
  })

  it('refuses anything but 1–32 hex digits', () => {
    for (const bad of ['', 'xyz', '0x12', ' 12', '1'.repeat(33), '12-34', 'g']) {
      expect(isUidHex(bad)).toBe(false)
      expect(writeUidHex(bad, new Uint32Array(4), 0)).toBe(false)
      expect(() => uidRecord(bad)).toThrow(RangeError)
    }
  })

  it('orders records exactly as their zero-padded hex strings', () => {
    const rng = createRng('order')
    const hexes = Array.from({length: 2000}, (_, i) => (i % 7 === 0 ? randomHex(rng, 1 + rng.int(32)).padStart(32, '0') : randomHex(rng)))
    hexes.push(hexes[3] as string, 'f'.repeat(32), '0'.repeat(32))
    const words = new Uint32Array(hexes.length * UID_RECORD_WORDS)
    hexes.forEach((h, i) => writeUidHex(h, words, i))
    for (let i = 0; i < 5000; i++) {
      const a = rng.int(hexes.length)
      const b = rng.int(hexes.length)
      const byString = hexes[a]! < hexes[b]! ? -1 : hexes[a]! > hexes[b]! ? 1 : 0
      expect(compareUids(words, a, words, b)).toBe(byString)
    }
  })
})
