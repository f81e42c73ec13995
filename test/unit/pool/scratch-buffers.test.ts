import sharp from 'sharp'
import {describe, expect, it} from 'vitest'

import {transformPixels} from '../../../src/pool/download/image-transform.js'
import {giveScratch, MAX_POOLED_BYTES, MAX_SPARE, takeScratch} from '../../../src/pool/download/scratch-buffers.js'

// Buffers are compared by identity as booleans: vitest's toBe diffs typed arrays element by element
// when they differ, which for 16 MiB runs out of memory.
describe('scratch buffers (download pixel pool)', () => {
  it('hands a given-back buffer out again, keeps at most MAX_SPARE of a size, and never views or huge buffers', () => {
    const size = 4096 + 17
    const first = takeScratch(size)
    expect(first.length).toBe(size)
    giveScratch(first)
    expect(takeScratch(size) === first).toBe(true)
    // A second give of the same buffer is ignored (it would be handed out twice).
    giveScratch(first)
    giveScratch(first)
    expect(takeScratch(size) === first).toBe(true)
    expect(takeScratch(size) === first).toBe(false)
    const many = Array.from({length: MAX_SPARE + 3}, () => takeScratch(size))
    for (const b of many) giveScratch(b)
    const back = Array.from({length: MAX_SPARE + 3}, () => takeScratch(size))
    expect(back.filter((b) => many.includes(b)).length).toBe(MAX_SPARE)
    // A subarray is not a whole buffer: not kept.
    const whole = new Uint8Array(size)
    giveScratch(whole.subarray(1))
    expect(takeScratch(size - 1).buffer === whole.buffer).toBe(false)
    const huge = takeScratch(MAX_POOLED_BYTES + 1)
    giveScratch(huge)
    expect(takeScratch(MAX_POOLED_BYTES + 1) === huge).toBe(false)
  })

  it('the download transform shrinks into a scratch buffer only where the pool keeps that size', async () => {
    const jpeg = await sharp({create: {width: 3001, height: 8, channels: 3, background: '#808080'}}).jpeg().toBuffer()
    // 3000² × 3 bytes is over MAX_POOLED_BYTES: an array of the image's own size, as before the pool.
    const big = await transformPixels(jpeg, 3000, null)
    expect(big.ok && [big.img.width, big.img.data.length, big.scratch === undefined]).toEqual([3000, 3000 * 8 * 3, true])
    const small = await transformPixels(jpeg, 512, null)
    expect(small.ok && [small.img.width, small.img.height, small.scratch?.length]).toEqual([512, 1, 512 * 512 * 3])
  })
})
