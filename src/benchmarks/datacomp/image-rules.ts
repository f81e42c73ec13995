import type {RgbImage} from '../../world/index.js'

/**
 * Image rules for the heuristic filter: blank images and near-duplicates. DataComp's baselines drop
 * near-duplicates of eval images with an ISC model (spec §9); dcbench's tiny heuristic uses the
 * classic cheap stand-in — perceptual thumbnails — within the pool.
 */

/** A blank (solid) image: every channel's standard deviation below this (0–255 scale). */
export const BLANK_CHANNEL_STD = 5

/** Thumbnails closer than this mean absolute difference (0–255 scale) are near-duplicates. */
export const NEAR_DUPLICATE_MAD = 2.5

const THUMB = 8

export function maxChannelStd(image: RgbImage): number {
  const n = image.width * image.height
  let worst = 0
  for (let c = 0; c < 3; c++) {
    let sum = 0
    let sq = 0
    for (let i = c; i < image.data.length; i += image.channels) {
      const v = image.data[i] as number
      sum += v
      sq += v * v
    }
    const mean = sum / n
    worst = Math.max(worst, Math.sqrt(Math.max(0, sq / n - mean * mean)))
  }
  return worst
}

export function isBlank(image: RgbImage): boolean {
  return maxChannelStd(image) < BLANK_CHANNEL_STD
}

/** The 8×8 RGB box-averaged thumbnail (192 values). */
export function thumbnail(image: RgbImage): Float32Array {
  const out = new Float32Array(THUMB * THUMB * 3)
  const counts = new Float32Array(THUMB * THUMB)
  for (let y = 0; y < image.height; y++) {
    const ty = Math.min(THUMB - 1, Math.floor((y * THUMB) / image.height))
    for (let x = 0; x < image.width; x++) {
      const tx = Math.min(THUMB - 1, Math.floor((x * THUMB) / image.width))
      const cell = ty * THUMB + tx
      const p = (y * image.width + x) * image.channels
      for (let c = 0; c < 3; c++) out[cell * 3 + c] = (out[cell * 3 + c] as number) + (image.data[p + c] as number)
      counts[cell] = (counts[cell] as number) + 1
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / (counts[Math.floor(i / 3)] as number)
  return out
}

function meanAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number))
  return sum / a.length
}

/**
 * Remembers thumbnails and answers "is this a near-duplicate of one seen before?". Candidates are
 * found through a coarse key (the 2×2 grey average hash plus the dominant colour cell), then checked
 * exactly, so the work stays near-linear in the pool size.
 */
export class NearDuplicateIndex {
  private readonly buckets = new Map<string, Float32Array[]>()

  constructor(private readonly maxDifference: number = NEAR_DUPLICATE_MAD) {}

  /** True when `image` is a near-duplicate of an earlier image; otherwise remembers it. */
  seen(image: RgbImage): boolean {
    const thumb = thumbnail(image)
    const key = coarseKey(thumb)
    const bucket = this.buckets.get(key)
    if (bucket?.some((other) => meanAbsoluteDifference(thumb, other) < this.maxDifference)) return true
    if (bucket) bucket.push(thumb)
    else this.buckets.set(key, [thumb])
    return false
  }
}

/** Quantised mean colour of each quadrant: close images share it unless they sit on a boundary. */
function coarseKey(thumb: Float32Array): string {
  const parts: number[] = []
  for (let qy = 0; qy < 2; qy++) {
    for (let qx = 0; qx < 2; qx++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0
        for (let y = qy * 4; y < qy * 4 + 4; y++) for (let x = qx * 4; x < qx * 4 + 4; x++) sum += thumb[(y * THUMB + x) * 3 + c] as number
        parts.push(Math.floor(sum / 16 / 32))
      }
    }
  }
  return parts.join(',')
}
