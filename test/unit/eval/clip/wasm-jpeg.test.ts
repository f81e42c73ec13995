import sharp, {type JpegOptions} from 'sharp'
import {describe, expect, it} from 'vitest'

import {readJpegFrame} from '../../../../src/eval/clip/jpeg-header.js'
import {decodeRgb} from '../../../../src/eval/clip/preprocess.js'
import {wasmJpegDecodable, WasmJpegDecoder} from '../../../../src/eval/clip/wasm-jpeg.js'
import {syntheticImage, syntheticPixels} from '../../../helpers/synthetic-images.js'

const jpeg = (options: JpegOptions, width = 37, height = 29): Promise<Buffer> =>
  sharp(syntheticPixels(5, width, height), {raw: {width, height, channels: 3}}).jpeg(options).toBuffer()

/** `bytes` with the luma component's sampling factors in the frame header set to h×v. */
function withLumaSampling(bytes: Buffer, h: number, v: number): Buffer {
  const out = Buffer.from(bytes)
  const sof = out.indexOf(Buffer.from([0xff, 0xc0]))
  out[sof + 11] = (h << 4) | v
  return out
}

describe('readJpegFrame', () => {
  it('reads the coding process, the sides and the sampling factors past the APP and DQT segments', async () => {
    expect(readJpegFrame(await jpeg({chromaSubsampling: '4:2:0'}))).toEqual({marker: 0xc0, width: 37, height: 29, components: [{h: 2, v: 2}, {h: 1, v: 1}, {h: 1, v: 1}]})
    expect(readJpegFrame(await jpeg({chromaSubsampling: '4:4:4'}))).toEqual({marker: 0xc0, width: 37, height: 29, components: [{h: 1, v: 1}, {h: 1, v: 1}, {h: 1, v: 1}]})
    expect(readJpegFrame(await jpeg({progressive: true}))?.marker).toBe(0xc2)
    const grey = await sharp(syntheticPixels(1, 8, 8), {raw: {width: 8, height: 8, channels: 3}}).toColourspace('b-w').jpeg().toBuffer()
    expect(readJpegFrame(grey)?.components).toHaveLength(1)
  })

  it('finds nothing in what is not a JPEG, nor in a JPEG cut before its frame header', async () => {
    expect(readJpegFrame(await sharp(syntheticPixels(1, 8, 8), {raw: {width: 8, height: 8, channels: 3}}).png().toBuffer())).toBeUndefined()
    const bytes = await jpeg({})
    expect(readJpegFrame(bytes.subarray(0, bytes.indexOf(Buffer.from([0xff, 0xc0]))))).toBeUndefined()
    expect(readJpegFrame(new Uint8Array([0xff, 0xd8]))).toBeUndefined()
  })
})

describe('wasmJpegDecodable: only layouts whose decode equals PIL’s', () => {
  it('takes grey and 4:4:4 / 4:2:2 / 4:2:0 / 4:1:1, baseline or progressive', async () => {
    expect(wasmJpegDecodable(await jpeg({chromaSubsampling: '4:2:0'}))).toBe(true)
    expect(wasmJpegDecodable(await jpeg({chromaSubsampling: '4:4:4', progressive: true}))).toBe(true)
    expect(wasmJpegDecodable(withLumaSampling(await jpeg({chromaSubsampling: '4:4:4'}), 2, 1))).toBe(true)
    expect(wasmJpegDecodable(withLumaSampling(await jpeg({chromaSubsampling: '4:4:4'}), 4, 1))).toBe(true)
  })

  it('leaves 4:4:0 (older libjpeg-turbo upsamples it differently), arithmetic coding and non-JPEGs to sharp', async () => {
    expect(wasmJpegDecodable(withLumaSampling(await jpeg({chromaSubsampling: '4:4:4'}), 1, 2))).toBe(false)
    const arithmetic = Buffer.from(await jpeg({}))
    arithmetic[arithmetic.indexOf(Buffer.from([0xff, 0xc0])) + 1] = 0xc9
    expect(wasmJpegDecodable(arithmetic)).toBe(false)
    expect(wasmJpegDecodable(await syntheticImage(1, 16, 16, 'png'))).toBe(false)
  })
})

describe('WasmJpegDecoder', () => {
  it("decodes to sharp's pixels (libjpeg-turbo, islow IDCT, fancy upsampling), as RGBA with opaque alpha", async () => {
    const decoder = await WasmJpegDecoder.get()
    for (const options of [{chromaSubsampling: '4:2:0'}, {chromaSubsampling: '4:4:4', quality: 97}, {progressive: true, quality: 40}] as JpegOptions[]) {
      const bytes = await jpeg(options, 61, 43)
      const rgba = decoder.decode(bytes)
      const rgb = await decodeRgb(bytes)
      expect(rgba && {width: rgba.width, height: rgba.height, channels: rgba.channels}).toEqual({width: 61, height: 43, channels: 4})
      const dropped = new Uint8Array(61 * 43 * 3)
      for (let i = 0; i < 61 * 43; i++) {
        dropped.set((rgba as {data: Uint8Array}).data.subarray(i * 4, i * 4 + 3), i * 3)
        expect((rgba as {data: Uint8Array}).data[i * 4 + 3]).toBe(255)
      }
      expect(dropped).toEqual(rgb.data)
    }
  })

  it('declines a JPEG that libjpeg warns about (truncated data), as sharp rejects it', async () => {
    const bytes = await jpeg({}, 64, 64)
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.7))
    expect((await WasmJpegDecoder.get()).decode(truncated)).toBeUndefined()
    await expect(decodeRgb(truncated)).rejects.toThrow()
  })

  it('declines a JPEG that libjpeg fails on, and a fresh decoder takes over afterwards', async () => {
    const bytes = await jpeg({}, 64, 64)
    const first = await WasmJpegDecoder.get()
    // A frame header and nothing after it: libjpeg's error exit, not a warning.
    expect(first.decode(bytes.subarray(0, bytes.indexOf(Buffer.from([0xff, 0xc4]))))).toBeUndefined()
    expect(first.failed).toBe(true)
    const next = await WasmJpegDecoder.get()
    expect(next).not.toBe(first)
    expect(next.decode(bytes)?.width).toBe(64)
  })
})
