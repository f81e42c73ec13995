import {describe, expect, it} from 'vitest'

import {assembleWat, WASM_KERNELS} from '../../../../scripts/wasm-kernels.js'
import {PilResampler} from '../../../../src/eval/clip/pil-resample.js'
import {PIL_RESAMPLE_WASM} from '../../../../src/eval/clip/pil-resample.wasm.js'
import {pilResizeBicubic, pilResizeBicubicWindow, type RawImage} from '../../../../src/eval/clip/pil-resize.js'
import {normalisationTable, OPENAI_MEAN, OPENAI_STD} from '../../../../src/eval/clip/preprocess.js'
import {rng} from '../../../helpers/synthetic-images.js'

/** The RGB bytes of an RGB or RGBA image. */
function rgbOf(image: RawImage): RawImage {
  if (image.channels === 3) return image
  const data = new Uint8Array(image.width * image.height * 3)
  for (let i = 0; i < image.width * image.height; i++) data.set(image.data.subarray(i * 4, i * 4 + 3), i * 3)
  return {...image, data, channels: 3}
}

describe('PilResampler (WebAssembly SIMD) = pil-resize.ts, bit for bit', () => {
  it('on random images, sizes and windows: shrinking, enlarging, one axis unchanged, 3 and 4 bytes per pixel', () => {
    const r = rng(7)
    const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
    const resampler = new PilResampler()
    const mismatched: string[] = []
    for (let t = 0; t < 400; t++) {
      const width = int(1, 120)
      const height = int(1, 120)
      const channels = r() < 0.5 ? 3 : 4
      // Noise, with runs of 0 and 255 so that clipping happens on both sides.
      const data = Uint8Array.from({length: width * height * channels}, () => (r() < 0.2 ? (r() < 0.5 ? 0 : 255) : int(0, 255)))
      const image = {data, width, height, channels}
      const outWidth = t % 5 === 0 ? width : int(1, 160)
      const outHeight = t % 7 === 0 ? height : int(1, 160)
      const w = int(1, outWidth)
      const h = int(1, outHeight)
      const window = {left: int(0, outWidth - w), top: int(0, outHeight - h), width: w, height: h}
      const expected = pilResizeBicubicWindow(rgbOf(image), outWidth, outHeight, window).data
      const got = resampler.resizeWindow(image, outWidth, outHeight, window).data
      if (got.length !== expected.length || got.some((v, i) => v !== expected[i])) mismatched.push(`${width}×${height}×${channels} → ${outWidth}×${outHeight} window ${JSON.stringify(window)}`)
    }
    expect(mismatched).toEqual([])
  })

  it('writes CHW float32 planes through the normalisation table, at the offset, leaving the rest of the output alone', () => {
    const r = rng(3)
    const image = {data: Uint8Array.from({length: 40 * 30 * 3}, () => Math.floor(r() * 256)), width: 40, height: 30, channels: 3}
    const window = {left: 3, top: 0, width: 20, height: 20}
    const table = normalisationTable({mean: OPENAI_MEAN, std: OPENAI_STD})
    const plane = 20 * 20
    const out = new Float32Array(3 * plane + 10).fill(-99)
    new PilResampler().resizeWindowNormalised(image, 26, 20, window, table, out, 5)
    const resized = pilResizeBicubicWindow(image, 26, 20, window).data
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) expect(out[5 + c * plane + i]).toBe(table[c * 256 + (resized[i * 3 + c] as number)])
    }
    expect([...out.subarray(0, 5), ...out.subarray(5 + 3 * plane)]).toEqual(Array(10).fill(-99))
  })

  it('keeps working when one call needs more memory than the last (the memory grows)', () => {
    const resampler = new PilResampler()
    const small = {data: new Uint8Array(8 * 8 * 3).fill(10), width: 8, height: 8, channels: 3}
    const large = {data: Uint8Array.from({length: 900 * 700 * 3}, (_, i) => i % 251), width: 900, height: 700, channels: 3}
    expect(resampler.resizeWindow(small, 4, 4, {left: 0, top: 0, width: 4, height: 4}).data).toEqual(new Uint8Array(48).fill(10))
    expect(resampler.resizeWindow(large, 450, 350, {left: 0, top: 0, width: 450, height: 350}).data).toEqual(pilResizeBicubic(large, 450, 350).data)
    expect(resampler.resizeWindow(small, 4, 4, {left: 0, top: 0, width: 4, height: 4}).data).toEqual(new Uint8Array(48).fill(10))
  })

  it('is embedded exactly as src/eval/clip/pil-resample.wat assembles (run `npm run wasm` after editing the .wat)', async () => {
    const kernel = WASM_KERNELS.find((k) => k.exportName === 'PIL_RESAMPLE_WASM')
    expect(kernel?.source).toBe('src/eval/clip/pil-resample.wat')
    expect(Buffer.from(await assembleWat((kernel as (typeof WASM_KERNELS)[number]).source))).toEqual(PIL_RESAMPLE_WASM)
  })
})
