import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {resizeArea, type RawImage} from '../../../src/pool/download/area-resize.js'
import {PIXEL_KERNELS_WASM} from '../../../src/pool/download/pixel-kernels.wasm.js'
import {assembleWat, WASM_KERNELS} from '../../../scripts/wasm-kernels.js'
import {runPython} from '../../helpers/python.js'
import {rng} from '../../helpers/synthetic-images.js'

/**
 * INTER_AREA (the weighted path in WebAssembly SIMD, the integer-factor path in TypeScript) against
 * Debian's python3-opencv 4.6 on random images: byte for byte, for 1, 3 and 4 channels, any sizes,
 * noise and flat images (flat ones put sums exactly on .5 ties).
 */

const reference = join(import.meta.dirname, '../../fixtures/python/area_resize_reference.py')

interface Case {
  file: string
  image: RawImage
  dw: number
  dh: number
}

function randomCases(count: number): Case[] {
  const r = rng(20)
  return Array.from({length: count}, (_, i) => {
    const channels = [1, 3, 3, 4][Math.floor(r() * 4)] as number
    // Mostly small sides, some large ones (the 1200×900 → 512 shape of the pool), some thin.
    const side = (): number => (r() < 0.15 ? 1 + Math.floor(r() * 4) : r() < 0.2 ? 900 + Math.floor(r() * 700) : 1 + Math.floor(r() * 300))
    // every sixth case is 2×2 (even sides): its own WebAssembly kernel, odd output widths included
    const half = i % 6 === 0
    const width = half ? 2 * Math.ceil(side() / 2) : side()
    const height = half ? 2 * Math.ceil(side() / 2) : side()
    const data = new Uint8Array(width * height * channels)
    const flat = r() < 0.2 ? Math.floor(r() * 256) : -1
    for (let j = 0; j < data.length; j++) data[j] = flat >= 0 ? flat : Math.floor(r() * 256)
    // Every third case an integer factor where the sides allow one (OpenCV's fast path).
    const factor = half ? 2 : i % 3 === 0 ? 2 + Math.floor(r() * 3) : 0
    const dw = factor && width % factor === 0 && width >= factor ? width / factor : 1 + Math.floor(r() * width)
    const dh = factor && height % factor === 0 && height >= factor ? height / factor : 1 + Math.floor(r() * height)
    return {file: `${i}.raw`, image: {data, width, height, channels}, dw, dh}
  })
}

describe('INTER_AREA = cv2.resize(…, INTER_AREA) (python3-opencv 4.6)', () => {
  const cases = randomCases(120)
  let dir = ''

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcbench-area-'))
    for (const c of cases) writeFileSync(join(dir, c.file), c.image.data)
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases.map((c) => ({file: c.file, width: c.image.width, height: c.image.height, channels: c.image.channels, dw: c.dw, dh: c.dh}))))
    await runPython(reference, [dir])
  }, 120_000)
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('gives OpenCV\'s bytes on 120 random images (1/3/4 channels, 1–1600 px sides, integer and fractional factors)', () => {
    const mismatches: string[] = []
    for (const c of cases) {
      const ours = resizeArea(c.image, c.dw, c.dh)
      const expected = readFileSync(join(dir, `${c.file}.ref.raw`))
      if (!Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength).equals(expected)) mismatches.push(`${c.image.width}×${c.image.height}×${c.image.channels} → ${c.dw}×${c.dh}`)
    }
    expect(mismatches).toEqual([])
  })

  it('takes the 2×2 kernel on 20 of them, with 1, 3 and 4 channels', () => {
    const halves = cases.filter((c) => c.dw * 2 === c.image.width && c.dh * 2 === c.image.height)
    expect(halves.length).toBeGreaterThanOrEqual(20)
    expect(new Set(halves.map((c) => c.image.channels))).toEqual(new Set([1, 3, 4]))
  })

  it('gives the same bytes when called again after a larger image (the kernels\' memory is reused)', () => {
    const small = cases.find((c) => c.image.width < 50 && c.dw < c.image.width) as Case
    const large = cases.find((c) => c.image.width > 900) as Case
    const first = resizeArea(small.image, small.dw, small.dh)
    resizeArea(large.image, large.dw, large.dh)
    expect(resizeArea(small.image, small.dw, small.dh).data).toEqual(first.data)
  })

  it('refuses to enlarge', () => {
    expect(() => resizeArea({data: new Uint8Array(12), width: 2, height: 2, channels: 3}, 3, 2)).toThrow(RangeError)
  })

  it('is embedded exactly as src/pool/download/pixel-kernels.wat assembles (run `npm run wasm` after editing the .wat)', async () => {
    const kernel = WASM_KERNELS.find((k) => k.exportName === 'PIXEL_KERNELS_WASM')
    expect(kernel?.source).toBe('src/pool/download/pixel-kernels.wat')
    expect(Buffer.from(await assembleWat((kernel as (typeof WASM_KERNELS)[number]).source))).toEqual(PIXEL_KERNELS_WASM)
  })
})
