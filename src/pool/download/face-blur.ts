import type {RawImage} from './area-resize.js'
import {layOut, pixelKernels} from './pixel-kernels.js'

/**
 * img2dataset 1.40's BoundingBoxBlurrer (blurrer.py), which DataComp's download runs on every image
 * with `face_bboxes`: each box [x0, y0, x1, y1] (fractions of the image) is scaled to the image,
 * grown by 10% of its longest side, clipped, and filled with 1 in a mask; image and mask are both
 * blurred with one Gaussian (sigma = 0.1 × the longest box side over all boxes, ksize = 2⌈4σ⌉+1,
 * OpenCV's GaussianBlur with its default reflect-101 border, as albumentations calls it), and the
 * result is img × (1 − blurred mask) + blurred img × blurred mask, truncated to uint8.
 *
 * The separable filter runs in WebAssembly SIMD (pixel-kernels.wat) in float32 with OpenCV's order
 * of operations (row pass Σ k[i]·x[i] from the left; symmetric column pass k[c]·x[c] + Σ k[c+i]·
 * (x[c+i] + x[c−i])). Deviation, bounded by test/unit/pool/image-transform.test.ts: OpenCV fuses
 * multiply and add on AVX2 (one rounding where this has two), so a pixel whose value lands within a
 * float32 rounding of an integer may truncate one level apart (9 of 2.2 million values in that
 * test's face cases; the float64 sums this replaced differed on 70). Outside the blurred mask's
 * support the image is untouched, so only that region is computed.
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

/**
 * Face boxes are fractions of the image's sides. A box far outside [0, 1] (a hostile or broken metadata
 * row: [0, 0, 1e6, 1]) would make img2dataset's kernel, which grows with the box, millions of taps wide:
 * such a sample fails instead (in [-0.5, 1.5] the kernel stays under twice the image's longest side).
 */
export function outlyingFaceBox(boxes: readonly FaceBox[]): FaceBox | undefined {
  return boxes.find((box) => !box.every((v) => v >= -0.5 && v <= 1.5))
}

/** Copies `img`'s pixels into `into` (at least as long; may be `img.data` itself), or into a new array. */
function copyOf(img: RawImage, into: Uint8Array | undefined): Uint8Array {
  if (into && into.length < img.data.length) throw new RangeError(`blurFaces: an output of ${into.length} bytes for ${img.data.length}`)
  const out = into ? into.subarray(0, img.data.length) : new Uint8Array(img.data.length)
  if (out.buffer !== img.data.buffer || out.byteOffset !== img.data.byteOffset) out.set(img.data)
  return out
}

/**
 * Blurs the face boxes of `img` (uint8, 1/3 channels) as img2dataset does; returns `img` when there
 * is no box, else the result in `into` when given (which may be `img.data` itself: the blur then
 * works in place, as the download path does with pixels it owns) or in a new array.
 */
export function blurFaces(img: RawImage, boxes: readonly FaceBox[], into?: Uint8Array): RawImage {
  if (boxes.length === 0) return img
  const {width: w, height: h, channels: cn} = img
  if (cn !== 1 && cn !== 3) throw new RangeError(`blurFaces: ${cn} channels; expected 1 or 3`)
  const {rects, sigma, ksize} = blurBoxes(boxes, w, h)
  const filled = rects.filter((r) => r.x1 > r.x0 && r.y1 > r.y0)
  // No pixel masked: the blurred mask is 0 everywhere and the result is img, truncated back unchanged.
  if (filled.length === 0) return {...img, data: copyOf(img, into)}
  const mx0 = Math.min(...filled.map((r) => r.x0))
  const my0 = Math.min(...filled.map((r) => r.y0))
  const mx1 = Math.max(...filled.map((r) => r.x1 - 1))
  const my1 = Math.max(...filled.map((r) => r.y1 - 1))
  const kernel = ksize > 1 ? Float32Array.from(gaussianKernel(ksize, sigma)) : Float32Array.of(1)
  const radius = (ksize - 1) / 2
  // Where the blurred mask can be non-zero, and the rows and columns its computation reads.
  const region = {x0: Math.max(0, mx0 - radius), y0: Math.max(0, my0 - radius), x1: Math.min(w - 1, mx1 + radius), y1: Math.min(h - 1, my1 + radius)}
  const rw = region.x1 - region.x0 + 1
  const rh = region.y1 - region.y0 + 1
  const rowLo = Math.max(0, region.y0 - radius)
  const rowHi = Math.min(h - 1, region.y1 + radius)
  const rows = rowHi - rowLo + 1
  const lineLen = rw + 2 * radius
  const rowOutWidth = (rw + 3) & ~3
  // Each pixel is one f32x4 of [channel 0, channel 1, channel 2, mask] (OpenCV blurs the image and a
  // 3-channel mask of equal planes; one mask lane computes the same values).
  const k = pixelKernels()
  const stride = w * cn
  const [bytes, pix, colIdx, line, kern, rowOut, rowIdx, blurred] = layOut(k, [rows * stride, rows * w * 16, lineLen * 4, lineLen * 16, ksize * 4, rows * rw * 16, (rh + 2 * radius) * 4, rh * rowOutWidth * 16]) as [number, number, number, number, number, number, number, number]
  const {buffer} = k.memory
  const heap = new Uint8Array(buffer)
  heap.set(img.data.subarray(rowLo * stride, (rowHi + 1) * stride), bytes)
  k.blurPack(bytes, rows * w, cn, pix)
  const p = new Float32Array(buffer, pix, rows * w * 4)
  for (const r of filled) {
    for (let y = Math.max(r.y0, rowLo); y < Math.min(r.y1, rowHi + 1); y++) {
      for (let x = r.x0, o = ((y - rowLo) * w + x) * 4 + 3; x < r.x1; x++, o += 4) p[o] = 1
    }
  }
  new Int32Array(buffer, colIdx, lineLen).set(Int32Array.from({length: lineLen}, (_, i) => reflect101(region.x0 - radius + i, w) * 16))
  new Int32Array(buffer, rowIdx, rh + 2 * radius).set(Int32Array.from({length: rh + 2 * radius}, (_, i) => (reflect101(region.y0 - radius + i, h) - rowLo) * rw * 16))
  new Float32Array(buffer, kern, ksize).set(kernel)
  k.blurRows(pix, w, rows, colIdx, lineLen, line, kern, ksize, rw, rowOut)
  k.blurColumns(rowOut, rw, rh, rowIdx, kern, radius, blurred)
  // The mix, in place on the region's rows of the copy, which then replace those of the result.
  const regionRow = bytes + (region.y0 - rowLo) * stride
  k.blurMix(regionRow + region.x0 * cn, stride, rw, rh, cn, blurred, rowOutWidth * 16)
  const out = copyOf(img, into)
  out.set(heap.subarray(regionRow, regionRow + rh * stride), region.y0 * stride)
  return {...img, data: out}
}
