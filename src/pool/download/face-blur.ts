import type {RawImage} from './area-resize.js'

/**
 * img2dataset 1.40's BoundingBoxBlurrer (blurrer.py), which DataComp's download runs on every image
 * with `face_bboxes`: each box [x0, y0, x1, y1] (fractions of the image) is scaled to the image,
 * grown by 10% of its longest side, clipped, and filled with 1 in a mask; image and mask are both
 * blurred with one Gaussian (sigma = 0.1 × the longest box side over all boxes, ksize = 2⌈4σ⌉+1,
 * OpenCV's GaussianBlur with its default reflect-101 border, as albumentations calls it), and the
 * result is img × (1 − blurred mask) + blurred img × blurred mask, truncated to uint8.
 *
 * Deviation, bounded by test/unit/pool/face-blur.test.ts: OpenCV sums the separable filter in float32
 * with SIMD (fused on AVX2); this sums in float64, so a pixel whose value lands within a float32
 * rounding of an integer may truncate one level apart. Outside the blurred mask's support the image
 * is untouched, so only that region is computed.
 */

/** One face box as DataComp's `face_bboxes` stores it: x_min, y_min, x_max, y_max in [0, 1]. */
export type FaceBox = readonly [number, number, number, number]

/** OpenCV's borderInterpolate for BORDER_REFLECT_101 (`gfedcb|abcdefgh|gfedcba`). */
function reflect101(p: number, len: number): number {
  if (len === 1) return 0
  while (p < 0 || p >= len) p = p < 0 ? -p : 2 * (len - 1) - p
  return p
}

/** OpenCV's Gaussian kernel for an odd ksize and sigma > 0: exp(−x²/2σ²) normalised to sum 1, as float32. */
function gaussianKernel(ksize: number, sigma: number): Float64Array {
  const half = (ksize - 1) / 2
  const values = new Float64Array(ksize)
  let sum = 0
  for (let i = 0; i < half; i++) {
    const x = 2 * i + 1 - ksize
    values[i] = Math.exp(x * x * (-0.125 / (sigma * sigma)))
    sum += values[i] as number
  }
  sum = sum * 2 + 1
  const kernel = new Float64Array(ksize)
  for (let i = 0; i < half; i++) kernel[i] = kernel[ksize - 1 - i] = Math.fround((values[i] as number) / sum)
  kernel[half] = Math.fround(1 / sum)
  return kernel
}

/** The clipped integer boxes blurrer.py fills in the mask, and the sigma it derives. */
export function blurBoxes(boxes: readonly FaceBox[], width: number, height: number): {rects: {x0: number; y0: number; x1: number; y1: number}[]; sigma: number; ksize: number} {
  let maxDiagonal = 0
  const rects = boxes.map((box) => {
    const b = [Math.trunc(box[0] * width), Math.trunc(box[1] * height), Math.trunc(box[2] * width), Math.trunc(box[3] * height)] as [number, number, number, number]
    const diagonal = Math.max(b[2] - b[0], b[3] - b[1])
    maxDiagonal = Math.max(maxDiagonal, diagonal)
    const grow = (v: number, sign: number): number => Math.trunc(v + sign * 0.1 * diagonal)
    const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi)
    return {x0: clip(grow(b[0], -1), width - 1), y0: clip(grow(b[1], -1), height - 1), x1: clip(grow(b[2], 1), width - 1), y1: clip(grow(b[3], 1), height - 1)}
  })
  const sigma = 0.1 * maxDiagonal
  return {rects, sigma, ksize: 2 * Math.ceil(4 * sigma) + 1}
}

/** Blurs the face boxes of `img` (uint8, 1/3 channels) as img2dataset does; returns a new image (or `img` when there is no box). */
export function blurFaces(img: RawImage, boxes: readonly FaceBox[]): RawImage {
  if (boxes.length === 0) return img
  const {width: w, height: h, channels: cn} = img
  const {rects, sigma, ksize} = blurBoxes(boxes, w, h)
  const mask = new Float32Array(w * h)
  let [mx0, my0, mx1, my1] = [w, h, -1, -1]
  for (const r of rects) {
    if (r.x1 <= r.x0 || r.y1 <= r.y0) continue
    for (let y = r.y0; y < r.y1; y++) mask.fill(1, y * w + r.x0, y * w + r.x1)
    ;[mx0, my0, mx1, my1] = [Math.min(mx0, r.x0), Math.min(my0, r.y0), Math.max(mx1, r.x1 - 1), Math.max(my1, r.y1 - 1)]
  }
  const out = new Uint8Array(img.data)
  // No pixel masked: the blurred mask is 0 everywhere and the result is img, truncated back unchanged.
  if (mx1 < 0) return {...img, data: out}
  const kernel = ksize > 1 ? gaussianKernel(ksize, sigma) : Float64Array.of(1)
  const radius = (ksize - 1) / 2
  // Where the blurred mask can be non-zero, and the rows and columns its computation reads.
  const region = {x0: Math.max(0, mx0 - radius), y0: Math.max(0, my0 - radius), x1: Math.min(w - 1, mx1 + radius), y1: Math.min(h - 1, my1 + radius)}
  const rw = region.x1 - region.x0 + 1
  const rowLo = Math.max(0, region.y0 - radius)
  const rowHi = Math.min(h - 1, region.y1 + radius)
  // Planes of float32 values as blurrer.py makes them (v / 255), then the mask as one more plane.
  const planes = cn + 1
  const lineLen = rw + 2 * radius
  const colIdx = Int32Array.from({length: lineLen}, (_, i) => reflect101(region.x0 - radius + i, w))
  const rowIdx = Int32Array.from({length: region.y1 - region.y0 + 1 + 2 * radius}, (_, i) => reflect101(region.y0 - radius + i, h) - rowLo)
  // Row pass (over the rows the column pass reads), one plane at a time, stored as float32 as OpenCV's buffer is.
  const rowOut = Array.from({length: planes}, () => new Float32Array((rowHi - rowLo + 1) * rw))
  const line = new Float64Array(lineLen)
  for (let y = rowLo; y <= rowHi; y++) {
    for (let p = 0; p < planes; p++) {
      for (let i = 0; i < lineLen; i++) {
        const x = colIdx[i] as number
        line[i] = p < cn ? Math.fround((img.data[(y * w + x) * cn + p] as number) / 255) : (mask[y * w + x] as number)
      }
      const target = rowOut[p] as Float32Array
      const o = (y - rowLo) * rw
      for (let x = 0; x < rw; x++) {
        let acc = 0
        for (let k = 0; k < ksize; k++) acc += (kernel[k] as number) * (line[x + k] as number)
        target[o + x] = acc
      }
    }
  }
  // Column pass row by row (contiguous reads), then the mix within the region.
  const acc = Array.from({length: planes}, () => new Float64Array(rw))
  for (let y = region.y0; y <= region.y1; y++) {
    for (let p = 0; p < planes; p++) {
      const source = rowOut[p] as Float32Array
      const sum = (acc[p] as Float64Array).fill(0)
      for (let k = 0; k < ksize; k++) {
        const kv = kernel[k] as number
        const o = (rowIdx[y - region.y0 + k] as number) * rw
        for (let x = 0; x < rw; x++) sum[x] = (sum[x] as number) + kv * (source[o + x] as number)
      }
    }
    const maskRow = acc[cn] as Float64Array
    for (let x = 0; x < rw; x++) {
      const m = Math.fround(maskRow[x] as number)
      if (m === 0) continue
      for (let c = 0; c < cn; c++) {
        const i = (y * w + x + region.x0) * cn + c
        const v = Math.fround((img.data[i] as number) / 255)
        const blurred = Math.fround((acc[c] as Float64Array)[x] as number)
        const mixed = Math.fround(Math.fround(v * Math.fround(1 - m)) + Math.fround(blurred * m))
        out[i] = Math.min(255, Math.trunc(Math.fround(mixed * 255)))
      }
    }
  }
  return {...img, data: out}
}
