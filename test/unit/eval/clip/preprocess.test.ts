import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pilResizeBicubic} from '../../../../src/eval/clip/pil-resize.js'
import {decodeForPreprocess, decodeRgb, normalisationTable, OPENAI_MEAN, OPENAI_STD, preprocessRgb, resizedSize} from '../../../../src/eval/clip/preprocess.js'
import {wasmJpegDecodable} from '../../../../src/eval/clip/wasm-jpeg.js'
import {runPython} from '../../../helpers/python.js'
import {useTempDir} from '../../../helpers/tmp.js'

const reference = join(import.meta.dirname, '../../../fixtures/python/clip_preprocess_reference.py')

interface Entry {
  file: string
  format: string
  width: number
  height: number
}

describe('image preprocessing = webdataset "pil" decode + open_clip eval transform (torchvision 0.14 + PIL)', () => {
  const tmp = useTempDir()
  let dir = ''
  let entries: Entry[] = []

  beforeAll(async () => {
    // useTempDir's cleanup runs after each test; this folder lives for the whole file.
    const {mkdtempSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    dir = mkdtempSync(join(tmpdir(), 'dcbench-preprocess-'))
    await runPython(reference, ['make-images', dir])
    entries = JSON.parse(readFileSync(join(dir, 'images.json'), 'utf8')) as Entry[]
  })
  afterAll(async () => {
    const {rmSync} = await import('node:fs')
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  for (const size of [224, 32]) {
    it(`gives bit-identical tensors at image size ${size} for JPEG (grey, 4:4:4, 4:2:2, 4:2:0, 4:1:1, progressive, restart markers), PNG (RGB, L, RGBA, P) and WebP, through either decoder`, async () => {
      const out = join(tmp(), 'ref.bin')
      await runPython(reference, ['preprocess', dir, String(size), out])
      const ref = new Float32Array(readFileSync(out).buffer.slice(0))
      const plane = 3 * size * size
      expect(ref.length).toBe(entries.length * plane)
      const config = {imageSize: size, mean: OPENAI_MEAN, std: OPENAI_STD}
      const table = normalisationTable(config)
      const ours = new Float32Array(plane)
      const mismatched: string[] = []
      for (const [i, entry] of entries.entries()) {
        const bytes = readFileSync(join(dir, entry.file))
        const expected = ref.subarray(i * plane, (i + 1) * plane)
        // decodeForPreprocess: the WebAssembly JPEG decoder where it applies; decodeRgb: always sharp.
        for (const [decoder, decode] of [['decodeForPreprocess', decodeForPreprocess], ['decodeRgb', decodeRgb]] as const) {
          preprocessRgb(await decode(bytes), config, table, ours)
          let bad = 0
          for (let j = 0; j < plane; j++) if (ours[j] !== expected[j]) bad++
          if (bad > 0) mismatched.push(`${entry.file} via ${decoder} (${bad} values)`)
        }
      }
      expect(mismatched).toEqual([])
      expect(entries.length).toBeGreaterThanOrEqual(150)
      // Every JPEG layout made here is one the WebAssembly decoder takes.
      expect(entries.filter((e) => e.format.startsWith('jpg') && !wasmJpegDecodable(readFileSync(join(dir, e.file)))).map((e) => e.file)).toEqual([])
    })
  }

  it('sizes like torchvision: short side to size, long side truncated', () => {
    expect(resizedSize(500, 375, 224)).toEqual({width: 298, height: 224})
    expect(resizedSize(375, 500, 224)).toEqual({width: 224, height: 298})
    expect(resizedSize(1000, 20, 32)).toEqual({width: 1600, height: 32})
  })

  it("differs from sharp's own bicubic resize (why dcbench resamples itself)", async () => {
    const entry = entries.find((e) => e.format === 'jpg' && e.width === 500) as Entry
    const rgb = await decodeRgb(readFileSync(join(dir, entry.file)))
    const ours = pilResizeBicubic(rgb, 298, 224)
    const theirs = await sharp(Buffer.from(rgb.data), {raw: {width: rgb.width, height: rgb.height, channels: 3}})
      .resize(298, 224, {kernel: 'cubic', fit: 'fill'})
      .raw()
      .toBuffer()
    let differ = 0
    for (let i = 0; i < theirs.length; i++) if (theirs[i] !== ours.data[i]) differ++
    expect(differ).toBeGreaterThan(theirs.length / 100)
  })
})
