import {afterAll, describe, expect, it} from 'vitest'

import {DecodePool} from '../../../../src/eval/clip/decode-pool.js'
import {OPENAI_MEAN, OPENAI_STD, preprocessImage} from '../../../../src/eval/clip/preprocess.js'
import {syntheticImage} from '../../../helpers/synthetic-images.js'

const config = {imageSize: 32, mean: OPENAI_MEAN, std: OPENAI_STD}
const plane = 3 * 32 * 32

describe('DecodePool', () => {
  const pool = new DecodePool(config, 2)
  afterAll(() => pool.close())

  async function expectPixelsOf(images: Uint8Array[], pixels: Float32Array): Promise<void> {
    expect(pixels.length).toBe(images.length * plane)
    for (const [i, image] of images.entries()) expect(pixels.subarray(i * plane, (i + 1) * plane)).toEqual(await preprocessImage(image, config))
  }

  it('gives each batch the pixels of preprocessImage, in order, also in recycled buffers and for a smaller last batch', async () => {
    const formats = ['jpg', 'png', 'webp'] as const
    const images = await Promise.all(Array.from({length: 20}, (_, i) => syntheticImage(i, 30 + i * 7, 90 - i * 3, formats[i % 3])))
    const first = await pool.preprocess(images.slice(0, 8))
    await expectPixelsOf(images.slice(0, 8), first)
    pool.recycle(first)
    const second = await pool.preprocess(images.slice(8, 16))
    // The recycled buffer went back to a worker (transferred, so detached here) and came back filled.
    expect(first.buffer.byteLength).toBe(0)
    await expectPixelsOf(images.slice(8, 16), second)
    pool.recycle(second)
    await expectPixelsOf(images.slice(16), await pool.preprocess(images.slice(16)))
  })

  it('cannot encode without an encoder', async () => {
    expect(pool.encodes).toBe(false)
    await expect(pool.encode([await syntheticImage(1, 40, 40)])).rejects.toThrow(/no encoder/)
  })

  it('rejects a batch with an undecodable image, and goes on with the next', async () => {
    const good = await syntheticImage(1, 40, 40)
    await expect(pool.preprocess([good, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])])).rejects.toThrow()
    await expectPixelsOf([good], await pool.preprocess([good]))
  })
})
