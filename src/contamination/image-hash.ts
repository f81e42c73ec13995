import {createHash} from 'node:crypto'

import type {RgbImage} from '../world/index.js'

/**
 * What the image check computes of one decoded image:
 *
 * - `sha256` of its pixels (width and height as 32-bit little-endian, then the RGB bytes): exact
 *   duplicates, whatever the file format or its metadata;
 * - a 64-bit perceptual hash: the image's luma (Rec. 601) area-averaged to 32 × 32, its 2-D DCT-II,
 *   the 64 coefficients of rows and columns 1–8 (the lowest frequencies without the DC row and
 *   column, which only say how brightness is laid out, as PDQ leaves them out), each bit set when the
 *   coefficient is above their median (as imagehash's pHash thresholds). JPEG re-encoding and
 *   resizing move it by a few bits;
 * - crops: the eval side also hashes 81 crops of each image (each side cut by 0, 5 or 10 %), so a
 *   training image cropped by up to 10 % per side is within a few bits of one of them;
 * - `detailed`: whether the perceptual hash says anything. A flat image, or a small object on a plain
 *   background (a star on black, a product on white), hashes like every other such image; only
 *   detailed eval images (at least half of the 8 × 8 cells of a 64 × 64 luma thumbnail vary by a
 *   standard deviation of 8 grey levels or more) are looked for as near duplicates, the others as
 *   exact duplicates only. Training images are not gated: a crop of a detailed image can lose
 *   enough of its detail to fall under the gate, and must still be found.
 *
 * The choices of band, crops, detail gate and the default distance were measured on 1,580 natural
 * images (bench/contamination/phash.ts; numbers in bench/README.md).
 */

/** Luma of an image, area-averaged to at most `WORK_SIZE` on its longer side. */
export interface GreyImage {
  width: number
  height: number
  data: Float64Array
}

/** A 64-bit hash as two 32-bit halves. */
export interface Hash64 {
  hi: number
  lo: number
}

export interface ImageFingerprint {
  sha256: string
  width: number
  height: number
  hash: Hash64
  detailed: boolean
}

const WORK_SIZE = 160
const HASH_SIZE = 32
/** Fractions cut from each side in the eval images' crops. */
export const CROP_STEPS = [0, 0.05, 0.1] as const
const DETAIL_CELL_STD = 8
const DETAIL_FRACTION = 0.5

/** The sha256 of an image's pixels (see the module comment). */
export function pixelSha256(image: RgbImage): string {
  const head = Buffer.alloc(8)
  head.writeUInt32LE(image.width, 0)
  head.writeUInt32LE(image.height, 4)
  return createHash('sha256').update(head).update(image.data).digest('hex')
}

/** Luma, area-averaged so the longer side is at most WORK_SIZE (smaller images keep their size). */
export function greyImage(image: RgbImage): GreyImage {
  const {width, height, data} = image
  const channels = image.channels
  const luma = new Float64Array(width * height)
  for (let i = 0, p = 0; i < luma.length; i++, p += channels) luma[i] = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!
  const scale = Math.min(1, WORK_SIZE / Math.max(width, height))
  if (scale === 1) return {width, height, data: luma}
  const w = Math.max(1, Math.round(width * scale))
  const h = Math.max(1, Math.round(height * scale))
  return {width: w, height: h, data: areaAverage({width, height, data: luma}, 0, 0, width, height, w, h)}
}

/** The fingerprint of an image as the training side computes it (no crops). */
export function fingerprint(image: RgbImage): ImageFingerprint {
  const grey = greyImage(image)
  return {sha256: pixelSha256(image), width: image.width, height: image.height, hash: perceptualHash(grey), detailed: isDetailed(grey)}
}

/** The perceptual hash of a region [x0, x1) × [y0, y1) of a grey image (the whole image by default). */
export function perceptualHash(grey: GreyImage, x0 = 0, y0 = 0, x1 = grey.width, y1 = grey.height): Hash64 {
  const thumb = areaAverage(grey, x0, y0, x1, y1, HASH_SIZE, HASH_SIZE)
  const cos = cosTable()
  const band = new Float64Array(64)
  const rows = new Float64Array(8 * HASH_SIZE)
  for (let u = 0; u < 8; u++) {
    const c = (u + 1) * HASH_SIZE
    for (let x = 0; x < HASH_SIZE; x++) {
      let sum = 0
      for (let y = 0; y < HASH_SIZE; y++) sum += cos[c + y]! * thumb[y * HASH_SIZE + x]!
      rows[u * HASH_SIZE + x] = sum
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      const c = (v + 1) * HASH_SIZE
      let sum = 0
      for (let x = 0; x < HASH_SIZE; x++) sum += cos[c + x]! * rows[u * HASH_SIZE + x]!
      band[u * 8 + v] = sum
    }
  }
  const sorted = Float64Array.from(band).sort()
  const median = (sorted[31]! + sorted[32]!) / 2
  let lo = 0
  let hi = 0
  for (let i = 0; i < 32; i++) {
    if (band[i]! > median) lo |= 1 << i
    if (band[i + 32]! > median) hi |= 1 << i
  }
  return {hi: hi >>> 0, lo: lo >>> 0}
}

/** The hashes of the 81 crops of an image (duplicates removed), for the eval side. */
export function cropHashes(grey: GreyImage): Hash64[] {
  const seen = new Set<string>()
  const out: Hash64[] = []
  for (const left of CROP_STEPS) {
    for (const top of CROP_STEPS) {
      for (const right of CROP_STEPS) {
        for (const bottom of CROP_STEPS) {
          const hash = perceptualHash(grey, left * grey.width, top * grey.height, (1 - right) * grey.width, (1 - bottom) * grey.height)
          const key = `${hash.hi}:${hash.lo}`
          if (seen.has(key)) continue
          seen.add(key)
          out.push(hash)
        }
      }
    }
  }
  return out
}

/** Whether an image has enough detail for its perceptual hash to identify it (module comment). */
export function isDetailed(grey: GreyImage): boolean {
  return detailFraction(grey) >= DETAIL_FRACTION
}

/** The fraction of the 8 × 8 cells of a 64 × 64 luma thumbnail whose standard deviation is at least 8. */
export function detailFraction(grey: GreyImage): number {
  const thumb = areaAverage(grey, 0, 0, grey.width, grey.height, 64, 64)
  let busy = 0
  for (let cy = 0; cy < 8; cy++) {
    for (let cx = 0; cx < 8; cx++) {
      let sum = 0
      let squares = 0
      for (let y = cy * 8; y < cy * 8 + 8; y++) {
        for (let x = cx * 8; x < cx * 8 + 8; x++) {
          const v = thumb[y * 64 + x]!
          sum += v
          squares += v * v
        }
      }
      const mean = sum / 64
      if (Math.sqrt(Math.max(0, squares / 64 - mean * mean)) >= DETAIL_CELL_STD) busy++
    }
  }
  return busy / 64
}

/** Number of differing bits. */
export function hammingDistance(a: Hash64, b: Hash64): number {
  return popcount(a.hi ^ b.hi) + popcount(a.lo ^ b.lo)
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
}

/** The hash as 16 hex digits (for reports). */
export function hashHex(hash: Hash64): string {
  return hash.hi.toString(16).padStart(8, '0') + hash.lo.toString(16).padStart(8, '0')
}

/**
 * The mean of each of `outWidth × outHeight` equal cells of the region [x0, x1) × [y0, y1), pixels
 * weighted by the part of them inside a cell (fractional bounds allowed): box-filter downsampling
 * that neither skips nor aliases pixels, and upsamples small images by repeating them.
 */
export function areaAverage(src: GreyImage, x0: number, y0: number, x1: number, y1: number, outWidth: number, outHeight: number): Float64Array {
  const out = new Float64Array(outWidth * outHeight)
  const cellWidth = (x1 - x0) / outWidth
  const cellHeight = (y1 - y0) / outHeight
  const rows = new Float64Array(src.width * outHeight)
  for (let by = 0; by < outHeight; by++) {
    const a = y0 + by * cellHeight
    const b = a + cellHeight
    for (let y = Math.max(0, Math.floor(a)); y < Math.min(src.height, Math.ceil(b)); y++) {
      const weight = Math.min(b, y + 1) - Math.max(a, y)
      if (weight <= 0) continue
      const from = y * src.width
      const to = by * src.width
      for (let x = 0; x < src.width; x++) rows[to + x]! += weight * src.data[from + x]!
    }
  }
  for (let by = 0; by < outHeight; by++) {
    for (let bx = 0; bx < outWidth; bx++) {
      const a = x0 + bx * cellWidth
      const b = a + cellWidth
      let sum = 0
      for (let x = Math.max(0, Math.floor(a)); x < Math.min(src.width, Math.ceil(b)); x++) {
        const weight = Math.min(b, x + 1) - Math.max(a, x)
        if (weight > 0) sum += weight * rows[by * src.width + x]!
      }
      out[by * outWidth + bx] = sum / (cellWidth * cellHeight)
    }
  }
  return out
}

let cosines: Float64Array | undefined

function cosTable(): Float64Array {
  if (cosines) return cosines
  const table = new Float64Array(HASH_SIZE * HASH_SIZE)
  for (let k = 0; k < HASH_SIZE; k++) for (let n = 0; n < HASH_SIZE; n++) table[k * HASH_SIZE + n] = Math.cos((Math.PI / HASH_SIZE) * (n + 0.5) * k)
  return (cosines = table)
}
