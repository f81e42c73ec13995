import {endianness} from 'node:os'

/**
 * 128-bit uids as dcbench stores them: 16-byte records laid out exactly as the DataComp subset `.npy`
 * holds them (datacomp spec §2.3) — bytes 0–7 the high 64 bits (`f0`), bytes 8–15 the low 64 bits
 * (`f1`), each little-endian. Code works on `Uint32Array` views, four words per uid:
 * `[f0 low 32, f0 high 32, f1 low 32, f1 high 32]`, compared in the order 1, 0, 3, 2 — which is
 * the order of the zero-padded lowercase hex uid.
 *
 * The same records hold DCLM document ids (see `dclmDocumentId`).
 */

/** Bytes per uid record. */
export const UID_RECORD_BYTES = 16
/** 32-bit words per uid record. */
export const UID_RECORD_WORDS = 4

/** Typed-array views read records in host byte order; the record layout is little-endian. */
export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('dcbench reads uid records through little-endian typed arrays; this host is big-endian')
}

const HEX_UID = /^[0-9a-fA-F]{1,32}$/

/** true when `text` is a uid the resharder would parse: 1–32 hex digits (`int(uid, 16)`). */
export function isUidHex(text: string): boolean {
  return HEX_UID.test(text)
}

/**
 * Writes a hex uid into record `index` of `words`. Shorter uids are left-padded with zeros, as the
 * resharder's `int(uid, 16)` reads them. Returns false (writing nothing) when `hex` is not 1–32 hex
 * digits.
 */
export function writeUidHex(hex: string, words: Uint32Array, index: number): boolean {
  if (!HEX_UID.test(hex)) return false
  const padded = hex.length === 32 ? hex : hex.padStart(32, '0')
  const o = index * UID_RECORD_WORDS
  words[o + 1] = parseInt(padded.slice(0, 8), 16)
  words[o] = parseInt(padded.slice(8, 16), 16)
  words[o + 3] = parseInt(padded.slice(16, 24), 16)
  words[o + 2] = parseInt(padded.slice(24, 32), 16)
  return true
}

/** The 32-digit lowercase hex of record `index` of `words`. */
export function readUidHex(words: Uint32Array, index: number): string {
  const o = index * UID_RECORD_WORDS
  return hex8(words[o + 1] as number) + hex8(words[o] as number) + hex8(words[o + 3] as number) + hex8(words[o + 2] as number)
}

/** One uid as a standalone 4-word record. Throws a RangeError on anything but 1–32 hex digits. */
export function uidRecord(hex: string): Uint32Array {
  const words = new Uint32Array(UID_RECORD_WORDS)
  if (!writeUidHex(hex, words, 0)) throw new RangeError(`not a hex uid: ${JSON.stringify(hex)}`)
  return words
}

/** -1, 0 or 1: record i of a against record j of b, in uid order. */
export function compareUids(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const x = i * UID_RECORD_WORDS
  const y = j * UID_RECORD_WORDS
  let p = a[x + 1] as number
  let q = b[y + 1] as number
  if (p !== q) return p < q ? -1 : 1
  p = a[x] as number
  q = b[y] as number
  if (p !== q) return p < q ? -1 : 1
  p = a[x + 3] as number
  q = b[y + 3] as number
  if (p !== q) return p < q ? -1 : 1
  p = a[x + 2] as number
  q = b[y + 2] as number
  if (p !== q) return p < q ? -1 : 1
  return 0
}

/** A Uint32Array view of whole records over bytes (which must start 4-byte aligned). */
export function recordWords(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / UID_RECORD_BYTES) * UID_RECORD_WORDS)
}

/** The bytes of a words view (no copy). */
export function recordBytes(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength)
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0')
}
