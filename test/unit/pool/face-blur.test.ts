import {describe, expect, it} from 'vitest'

import {resizeArea} from '../../../src/pool/download/area-resize.js'
import {blurFaces, type FaceBox} from '../../../src/pool/download/face-blur.js'
import {rng} from '../../helpers/synthetic-images.js'

/**
 * The face blur's own behaviour beyond the OpenCV comparison in image-transform.test.ts: INTER_AREA
 * and the blur share one WebAssembly memory per thread, so a call's result must not depend on what
 * ran before it; only the blurred region changes; the input is never written.
 */

function noise(seed: number, width: number, height: number, channels: number): {data: Uint8Array; width: number; height: number; channels: number} {
  const r = rng(seed)
  return {data: Uint8Array.from({length: width * height * channels}, () => Math.floor(r() * 256)), width, height, channels}
}

describe('face blur (pixel-kernels.wat)', () => {
  const img = noise(1, 300, 200, 3)
  const boxes: FaceBox[] = [[0.1, 0.2, 0.3, 0.5]]

  it('gives the same bytes before and after larger resizes and blurs reuse the kernels\' memory', () => {
    const input = Uint8Array.from(img.data)
    const first = blurFaces(img, boxes)
    resizeArea(noise(2, 1100, 900, 3), 512, 419)
    blurFaces(noise(3, 512, 512, 1), [[0, 0, 1, 1]])
    expect(blurFaces(img, boxes).data).toEqual(first.data)
    expect(img.data).toEqual(input)
  })

  it('changes pixels near the box only, and grey images keep one channel', () => {
    const out = blurFaces(img, boxes)
    // The box is x 30–90, y 40–100; grown by 6 and blurred with radius 24 (sigma 6, ksize 49).
    let changedFar = 0
    let changedNear = 0
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const i = (y * img.width + x) * 3
        const changed = out.data[i] !== img.data[i] || out.data[i + 1] !== img.data[i + 1] || out.data[i + 2] !== img.data[i + 2]
        if (x > 130 || y > 140) changedFar += changed ? 1 : 0
        else changedNear += changed ? 1 : 0
      }
    }
    expect(changedFar).toBe(0)
    expect(changedNear).toBeGreaterThan(3000)
    const grey = blurFaces(noise(4, 64, 48, 1), [[0.2, 0.2, 0.6, 0.6]])
    expect([grey.channels, grey.data.length]).toEqual([1, 64 * 48])
  })

  it('gives the same bytes into a caller\'s buffer and in place as into a new one (the download path reuses its buffers)', () => {
    const fresh = blurFaces(img, boxes)
    const into = new Uint8Array(img.data.length + 100).fill(7)
    expect(blurFaces(img, boxes, into).data).toEqual(fresh.data)
    const own = {...img, data: Uint8Array.from(img.data)}
    const inPlace = blurFaces(own, boxes, own.data)
    expect(inPlace.data).toEqual(fresh.data)
    expect(inPlace.data.buffer === own.data.buffer).toBe(true)
    // No box covers a pixel (a zero-area box): the pixels come back unchanged, in place too.
    const flat = {...img, data: Uint8Array.from(img.data)}
    expect(blurFaces(flat, [[0.5, 0.5, 0.5, 0.5]], flat.data).data).toEqual(img.data)
    expect(() => blurFaces(img, boxes, new Uint8Array(10))).toThrow(RangeError)
  })

  it('INTER_AREA gives the same bytes into a caller\'s larger buffer as into a new one', () => {
    const big = noise(6, 640, 500, 3)
    const into = new Uint8Array(512 * 512 * 3).fill(9)
    // a weighted factor and an integer one (OpenCV's fast path)
    for (const [w, h] of [[512, 400], [320, 250]] as const) {
      const out = resizeArea(big, w, h, into)
      expect(out.data).toEqual(resizeArea(big, w, h).data)
      expect(out.data.buffer === into.buffer).toBe(true)
    }
    expect(() => resizeArea(big, 512, 400, new Uint8Array(100))).toThrow(RangeError)
  })

  it('returns the image as it is without boxes, and refuses 4 channels', () => {
    expect(blurFaces(img, [])).toBe(img)
    expect(() => blurFaces(noise(5, 8, 8, 4), boxes)).toThrow(RangeError)
  })
})
