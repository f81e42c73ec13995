import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import sharp from 'sharp'
import {afterAll, describe, expect, it} from 'vitest'

import {readCachedIndex, writeCachedIndex} from '../../../src/contamination/cache.js'
import {cropHashes, fingerprint, greyImage, hammingDistance, isDetailed, pixelSha256, type Hash64} from '../../../src/contamination/image-hash.js'
import {ImageIndex} from '../../../src/contamination/image-index.js'
import {packPosting} from '../../../src/contamination/ngram-table.js'
import {decodeImage} from '../../../src/world/index.js'
import {deadLeavesImage, deadLeavesPixels, rng} from '../../helpers/synthetic-images.js'

const dir = mkdtempSync(join(tmpdir(), 'dcbench-image-hash-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('image fingerprints', () => {
  it('hashes pixels, not files: the same pixels as PNG at two compression levels give one sha256', async () => {
    const raw = sharp(deadLeavesPixels(1, 120, 90), {raw: {width: 120, height: 90, channels: 3}})
    const a = await decodeImage(await raw.clone().png({compressionLevel: 0}).toBuffer())
    const b = await decodeImage(await raw.clone().png({compressionLevel: 9}).toBuffer())
    expect(pixelSha256(a)).toBe(pixelSha256(b))
    const shifted = {...b, data: Uint8Array.from(b.data, (v, i) => (i === 0 ? v ^ 1 : v))}
    expect(pixelSha256(shifted)).not.toBe(pixelSha256(a))
  })

  it('moves a few bits under JPEG re-encoding and resizing, and many between different images', async () => {
    const original = await deadLeavesImage(7, 240, 180, 'png')
    const hash = fingerprint(await decodeImage(original)).hash
    const q50 = fingerprint(await decodeImage(await sharp(original).jpeg({quality: 50}).toBuffer())).hash
    const half = fingerprint(await decodeImage(await sharp(original).resize(120, 90).png().toBuffer())).hash
    expect(hammingDistance(hash, q50)).toBeLessThanOrEqual(4)
    expect(hammingDistance(hash, half)).toBeLessThanOrEqual(4)
    for (let seed = 100; seed < 110; seed++) {
      const other = fingerprint(await decodeImage(await deadLeavesImage(seed, 240, 180))).hash
      expect(hammingDistance(hash, other)).toBeGreaterThan(12)
    }
  })

  it('has a crop hash close to a 10 %-per-side crop, and calls flat images and lone objects low-detail', async () => {
    const original = await deadLeavesImage(9, 200, 160, 'png')
    const grey = greyImage(await decodeImage(original))
    const crops = cropHashes(grey)
    expect(crops.length).toBeGreaterThan(40)
    expect(crops.length).toBeLessThanOrEqual(81)
    const cropped = fingerprint(await decodeImage(await sharp(original).extract({left: 20, top: 16, width: 160, height: 128}).png().toBuffer())).hash
    expect(Math.min(...crops.map((c) => hammingDistance(c, cropped)))).toBeLessThanOrEqual(4)
    expect(isDetailed(grey)).toBe(true)
    const flat = await decodeImage(await sharp({create: {width: 100, height: 80, channels: 3, background: {r: 90, g: 120, b: 200}}}).png().toBuffer())
    expect(isDetailed(greyImage(flat))).toBe(false)
    const star = new Uint8Array(100 * 100 * 3)
    for (let y = 45; y < 55; y++) for (let x = 45; x < 55; x++) star.fill(255, (y * 100 + x) * 3, (y * 100 + x) * 3 + 3)
    expect(isDetailed(greyImage({width: 100, height: 100, channels: 3, data: star}))).toBe(false)
  })
})

describe('the image index', () => {
  const random = rng(42)
  const word = (): number => Math.floor(random() * 2 ** 32) >>> 0
  const flip = (h: Hash64, bits: number): Hash64 => {
    let {hi, lo} = h
    const chosen = new Set<number>()
    while (chosen.size < bits) chosen.add(Math.floor(random() * 64))
    for (const b of chosen) {
      if (b < 32) lo = (lo ^ (1 << b)) >>> 0
      else hi = (hi ^ (1 << (b - 32))) >>> 0
    }
    return {hi, lo}
  }

  it('finds every hash within the distance (multi-index search agrees with brute force), and round-trips through the cache', async () => {
    const index = new ImageIndex()
    const stored: {hash: Hash64; posting: number}[] = []
    for (let i = 0; i < 3000; i++) {
      const hash = {hi: word(), lo: word()}
      const posting = packPosting(i % 3, i)
      stored.push({hash, posting})
      index.add(posting, `${i.toString(16).padStart(64, '0')}`, [hash])
    }
    const queries = Array.from({length: 200}, (_, q) => flip(stored[q * 7]!.hash, q % 14))
    for (const max of [0, 3, 8, 10, 13]) {
      for (const query of queries) {
        const brute = new Map(stored.map((s) => [s.posting, hammingDistance(s.hash, query)] as const).filter(([, d]) => d <= max))
        expect(index.findNear(query, max)).toEqual(brute)
      }
    }
    expect(index.findExact('0'.repeat(63) + 'a')).toEqual([packPosting(1, 10)])

    await writeCachedIndex(dir, 'k', {note: 'x'}, index.encode())
    const read = await readCachedIndex(dir, 'k')
    expect(read?.meta).toEqual({note: 'x'})
    const copy = ImageIndex.decode(read!.parts)!
    expect(copy.findNear(queries[5]!, 10)).toEqual(index.findNear(queries[5]!, 10))
    expect(copy.findExact('0'.repeat(63) + 'a')).toEqual([packPosting(1, 10)])
  })

  it('never trusts a damaged cache file', async () => {
    await writeCachedIndex(dir, 'damaged', {}, [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])])
    const file = join(dir, 'damaged.idx')
    const bytes = readFileSync(file)
    bytes[bytes.length - 8] = bytes[bytes.length - 8]! ^ 0xff
    writeFileSync(file, bytes)
    expect(await readCachedIndex(dir, 'damaged')).toBeUndefined()
    writeFileSync(file, 'DCBIDX01 but nothing else')
    expect(await readCachedIndex(dir, 'damaged')).toBeUndefined()
    expect(await readCachedIndex(dir, 'absent')).toBeUndefined()
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([])
  })
})
