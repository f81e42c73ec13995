import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {FaceBox} from '../../../src/pool/download/face-blur.js'
import {encodeJpeg, reencodeUnchangedJpeg, transformImage, transformPixels} from '../../../src/pool/download/image-transform.js'
import {runPython} from '../../helpers/python.js'
import {syntheticPixels} from '../../helpers/synthetic-images.js'

/**
 * The image transform against img2dataset's Resizer and blurrer as Debian's python3-opencv 4.6 runs
 * them (test/fixtures/python/img2dataset_resizer_reference.py). Stated bounds:
 * - without faces, the pixels before encoding are identical (INTER_AREA reproduced exactly, the same
 *   libjpeg-turbo decode, the same alpha matting), and the JPEGs decode to identical pixels;
 * - with faces, a pixel may differ by 1 level (OpenCV fuses the Gaussian's multiply-adds on AVX2,
 *   dcbench rounds product and sum apart, and blurrer.py truncates), on at most 0.1% of the values.
 */

const reference = join(import.meta.dirname, '../../fixtures/python/img2dataset_resizer_reference.py')

interface Case {
  file: string
  faces: FaceBox[] | null
  make: () => Promise<Buffer>
}

const raw = (w: number, h: number, seed: number) => sharp(syntheticPixels(seed, w, h), {raw: {width: w, height: h, channels: 3}})
const CASES: Case[] = [
  {file: 'a-420.jpg', faces: null, make: () => raw(800, 600, 1).jpeg({quality: 90}).toBuffer()},
  {file: 'b-2x.jpg', faces: null, make: () => raw(1024, 768, 2).jpeg({quality: 85, chromaSubsampling: '4:4:4'}).toBuffer()},
  {file: 'c-4x.jpg', faces: null, make: () => raw(2048, 1536, 3).jpeg().toBuffer()},
  {file: 'd-odd.jpg', faces: null, make: () => raw(1001, 703, 4).jpeg({progressive: true}).toBuffer()},
  {file: 'e-small.jpg', faces: null, make: () => raw(300, 200, 5).jpeg().toBuffer()},
  {file: 'f-513.png', faces: null, make: () => raw(513, 300, 6).png().toBuffer()},
  {file: 'g-grey.jpg', faces: null, make: () => raw(1030, 512, 7).grayscale().jpeg().toBuffer()},
  {file: 'h-tall.png', faces: null, make: () => raw(377, 1333, 8).png().toBuffer()},
  {file: 'i-alpha.png', faces: null, make: () => raw(600, 400, 9).ensureAlpha(0.3).png().toBuffer()},
  {file: 'j-webp.webp', faces: null, make: () => raw(640, 480, 10).webp({quality: 80}).toBuffer()},
  {file: 'k-thin.png', faces: null, make: () => raw(2000, 3, 11).png().toBuffer()},
  {file: 'l-face.jpg', faces: [[0.2, 0.1, 0.45, 0.5]], make: () => raw(800, 600, 12).jpeg().toBuffer()},
  {file: 'm-faces-small.png', faces: [[0.1, 0.1, 0.3, 0.3], [0.6, 0.5, 0.9, 0.99]], make: () => raw(400, 300, 13).png().toBuffer()},
  {file: 'n-face-edge.jpg', faces: [[0, 0, 0.2, 0.25], [0.95, 0.9, 1, 1]], make: () => raw(1200, 900, 14).jpeg().toBuffer()},
  {file: 'o-face-grey.jpg', faces: [[0.3, 0.3, 0.6, 0.7]], make: () => raw(700, 900, 15).grayscale().jpeg().toBuffer()},
  {file: 'p-empty-faces.jpg', faces: [], make: () => raw(640, 640, 16).jpeg().toBuffer()},
]

describe("image transform = img2dataset 1.40's Resizer + blurrer under DataComp's parameters (python3-opencv 4.6)", () => {
  let dir = ''
  let results: {opencv: string; results: {file: string; width?: number; height?: number; channels?: number; error?: string}[]}
  const inputs = new Map<string, Buffer>()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcbench-resizer-'))
    for (const c of CASES) {
      const bytes = await c.make()
      inputs.set(c.file, bytes)
      writeFileSync(join(dir, c.file), bytes)
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(CASES.map((c) => ({file: c.file, faces: c.faces}))))
    await runPython(reference, [dir])
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))
  }, 120_000)
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  for (const c of CASES) {
    it(`${c.file}${c.faces?.length ? ` with ${c.faces.length} face box(es)` : ''}: the same size and pixels${c.faces?.length ? ' (≤ 1 level on ≤ 0.1%)' : ''}, and the JPEG decodes alike`, async () => {
      const ref = results.results.find((r) => r.file === c.file)!
      expect(ref.error).toBeUndefined()
      const ours = await transformPixels(inputs.get(c.file)!, 512, c.faces)
      if (!ours.ok) throw new Error(ours.error)
      expect([ours.img.width, ours.img.height, ours.img.channels]).toEqual([ref.width, ref.height, ref.channels])
      const expected = readFileSync(join(dir, `${c.file}.ref.raw`))
      let worst = 0
      let differing = 0
      for (let i = 0; i < expected.length; i++) {
        const d = Math.abs((expected[i] as number) - (ours.img.data[i] as number))
        if (d > 0) differing++
        worst = Math.max(worst, d)
      }
      if (c.faces?.length) {
        expect(worst).toBeLessThanOrEqual(1)
        expect(differing / expected.length).toBeLessThanOrEqual(0.001)
      } else {
        expect(worst).toBe(0)
      }
      // Encoded: both JPEGs decode to the same pixels when the pixels going in are the same.
      const encoded = await encodeJpeg(ours.img)
      const theirJpeg = readFileSync(join(dir, `${c.file}.ref.jpg`))
      expect((await sharp(encoded).metadata()).channels).toBe((await sharp(theirJpeg).metadata()).channels)
      const mine = await sharp(encoded).raw().toBuffer()
      const theirs = await sharp(theirJpeg).raw().toBuffer()
      if (worst === 0) expect(mine.equals(theirs)).toBe(true)
    })
  }

  it('fails undecodable bytes, GIF and SVG with img2dataset\'s "Image decoding error"', async () => {
    const gif = await raw(20, 10, 1).gif().toBuffer()
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    for (const bytes of [Buffer.from('<html></html>'), gif, svg, Buffer.alloc(0), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])]) {
      expect(await transformImage(bytes, 512, null)).toEqual({ok: false, error: 'Image decoding error'})
    }
  })

  it('fails a sample whose face box lies far outside the image, at once, instead of blurring with a kernel millions of taps wide', async () => {
    const jpeg = await raw(64, 48, 3).jpeg().toBuffer()
    expect(await transformImage(jpeg, 512, [[0.1, 0.1, 0.2, 0.2], [0, 0, 1e6, 1]])).toEqual({ok: false, error: 'face box [0,0,1000000,1] lies far outside the image (coordinates are fractions of its sides)'})
    expect((await transformImage(jpeg, 512, [[-0.2, 0, 1.2, 1]])).ok).toBe(true)
  })
  it('re-encodes a JPEG that needs no shrink nor blur in one sharp pipeline, to the bytes that decoding to pixels and encoding them gives', async () => {
    const full = await raw(300, 211, 21).jpeg({quality: 90}).toBuffer()
    const jpegs = [
      full,
      await raw(512, 77, 22).withMetadata({density: 300}).jpeg({quality: 70, chromaSubsampling: '4:4:4'}).toBuffer(),
      await raw(200, 300, 23).grayscale().jpeg().toBuffer(),
      await raw(120, 90, 24).withIccProfile('p3').jpeg().toBuffer(),
      await raw(90, 120, 25).withMetadata({orientation: 6}).jpeg({progressive: true}).toBuffer(),
      full.subarray(0, Math.floor(full.length * 0.6)),
    ]
    for (const bytes of jpegs) {
      const one = await reencodeUnchangedJpeg(bytes, 512, [])
      const pixels = await transformPixels(bytes, 512, [])
      if (!one?.ok || !pixels.ok) throw new Error('both paths should take this JPEG')
      expect(one.jpeg.equals(await encodeJpeg(pixels.img))).toBe(true)
      expect([one.width, one.height]).toEqual([pixels.img.width, pixels.img.height])
    }
    // anything to shrink or blur, and what is not a grey or colour JPEG, goes through the pixels
    expect(await reencodeUnchangedJpeg(await raw(513, 10, 26).jpeg().toBuffer(), 512, null)).toBeUndefined()
    expect(await reencodeUnchangedJpeg(full, 512, [[0.1, 0.1, 0.2, 0.2]])).toBeUndefined()
    expect(await reencodeUnchangedJpeg(await raw(30, 20, 27).png().toBuffer(), 512, null)).toBeUndefined()
    expect(await reencodeUnchangedJpeg(await raw(30, 20, 28).toColourspace('cmyk').jpeg().toBuffer(), 512, null)).toBeUndefined()
  })
})
