/**
 * OpenCV 4's `cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)` on 8-bit interleaved pixels, as
 * img2dataset calls it (through albumentations' `longest_max_size`) to shrink an image: the same
 * source-pixel weights, float32 accumulation and rounding as imgproc/src/resize.cpp, so the result
 * equals OpenCV's byte for byte (test/unit/pool/area-resize.test.ts checks it against Debian's
 * python3-opencv 4.6). Only shrinking is implemented: img2dataset with resize_only_if_bigger never
 * enlarges. The weighted path (any factor but an integer one) runs in WebAssembly SIMD
 * (pixel-kernels.wat) with the same float32 operations in the same order as OpenCV's scalar code, and
 * so does the 2×2 case with OpenCV's integer rounding.
 */
import {layOut, pixelKernels} from './pixel-kernels.js'

/** Pixels of an image: `height` rows of `width × channels` bytes. */
export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: number
}

/**
 * albumentations' `longest_max_size(img, maxSize)`: both sides scaled by maxSize / longest side and
 * rounded half to even (Python's `round`), in double precision as Python computes it.
 */
export function longestMaxSize(width: number, height: number, maxSize: number): {width: number; height: number} {
  const scale = maxSize / Math.max(width, height)
  return {width: roundHalfEven(width * scale), height: roundHalfEven(height * scale)}
}

/** Python 3's `round(x)`: to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** `saturate_cast<uchar>(float)`: cvRound (ties to even) then clamp. */
function saturateU8(x: number): number {
  const r = roundHalfEven(x)
  return r < 0 ? 0 : r > 255 ? 255 : r
}

interface AreaTab {
  di: Int32Array
  si: Int32Array
  alpha: Float32Array
  size: number
}

/**
 * computeResizeAreaTab: which source pixels feed each destination pixel, with what weight; `di` and
 * `si` are the indices times `dStep` and `sStep` (byte offsets for the kernels).
 */
function areaTab(ssize: number, dsize: number, scale: number, dStep: number, sStep: number): AreaTab {
  const di = new Int32Array(ssize * 2 + 2)
  const si = new Int32Array(ssize * 2 + 2)
  const alpha = new Float32Array(ssize * 2 + 2)
  let k = 0
  const push = (d: number, s: number, a: number): void => {
    di[k] = d * dStep
    si[k] = s * sStep
    alpha[k++] = a
  }
  for (let dx = 0; dx < dsize; dx++) {
    const fsx1 = dx * scale
    const fsx2 = fsx1 + scale
    const cellWidth = Math.min(scale, ssize - fsx1)
    let sx1 = Math.ceil(fsx1)
    let sx2 = Math.floor(fsx2)
    sx2 = Math.min(sx2, ssize - 1)
    sx1 = Math.min(sx1, sx2)
    if (sx1 - fsx1 > 1e-3) push(dx, sx1 - 1, (sx1 - fsx1) / cellWidth)
    for (let sx = sx1; sx < sx2; sx++) push(dx, sx, 1.0 / cellWidth)
    if (fsx2 - sx2 > 1e-3) push(dx, sx2, Math.min(Math.min(fsx2 - sx2, 1), cellWidth) / cellWidth)
  }
  return {di, si, alpha, size: k}
}

/**
 * Shrinks `src` to `width × height` with INTER_AREA. Both sides must be no larger than the source's.
 * Integer factors take OpenCV's fast path (plain averages; 2×2 blocks round half up as its SIMD
 * code does, in WebAssembly SIMD), other factors the weighted path (float32 sums, ties to even). The pixels go into
 * `into` when given (at least width × height × channels bytes, not `src`'s; a caller's reused
 * buffer, so a download does not allocate an image per sample), else into a new array.
 */
export function resizeArea(src: RawImage, width: number, height: number, into?: Uint8Array): RawImage {
  if (width > src.width || height > src.height || width < 1 || height < 1) throw new RangeError(`resizeArea shrinks only: ${src.width}×${src.height} → ${width}×${height}`)
  if (width === src.width && height === src.height) return src
  const bytes = width * height * src.channels
  if (into && into.length < bytes) throw new RangeError(`resizeArea: an output of ${into.length} bytes for ${bytes}`)
  const out = into ? into.subarray(0, bytes) : new Uint8Array(bytes)
  // OpenCV takes the factors as 1 / (dsize / ssize), not ssize / dsize; they can differ in the last bit.
  const scaleX = 1 / (width / src.width)
  const scaleY = 1 / (height / src.height)
  const iscaleX = Math.round(scaleX)
  const iscaleY = Math.round(scaleY)
  if (Math.abs(scaleX - iscaleX) < Number.EPSILON && Math.abs(scaleY - iscaleY) < Number.EPSILON) return resizeAreaFast(src, width, height, iscaleX, iscaleY, out)
  return resizeAreaWeighted(src, width, height, scaleX, scaleY, out)
}

function resizeAreaFast(src: RawImage, width: number, height: number, sx: number, sy: number, out: Uint8Array): RawImage {
  const cn = src.channels
  if (sx === 2 && sy === 2 && (cn === 1 || cn === 3 || cn === 4)) return resizeAreaHalf(src, width, height, out)
  const rowBytes = src.width * cn
  const scale = Math.fround(1 / (sx * sy))
  for (let dy = 0; dy < height; dy++) {
    const row0 = dy * sy * rowBytes
    for (let dx = 0; dx < width; dx++) {
      for (let c = 0; c < cn; c++) {
        let sum = 0
        for (let y = 0; y < sy; y++) {
          const base = row0 + y * rowBytes + dx * sx * cn + c
          for (let x = 0; x < sx; x++) sum += src.data[base + x * cn] as number
        }
        out[(dy * width + dx) * cn + c] = saturateU8(Math.fround(sum * scale))
      }
    }
  }
  return {data: out, width, height, channels: cn}
}

/**
 * Swizzle masks of the 2×2 kernel per channel count: for each output byte of a step, which byte of a
 * 16-byte load is its left pixel's (A) and its right pixel's (B) channel; 16+ selects nothing.
 */
const HALF_MASKS: Record<number, {a: number[]; b: number[]; outStep: number}> = {
  1: {a: [0, 2, 4, 6, 8, 10, 12, 14], b: [1, 3, 5, 7, 9, 11, 13, 15], outStep: 8},
  3: {a: [0, 1, 2, 6, 7, 8, 16, 16], b: [3, 4, 5, 9, 10, 11, 16, 16], outStep: 6},
  4: {a: [0, 1, 2, 3, 8, 9, 10, 11], b: [4, 5, 6, 7, 12, 13, 14, 15], outStep: 8},
}

/**
 * The 2×2 case of the fast path (an image of exactly twice 512 px, common on the web), in
 * pixel-kernels.wat: each output byte is its four source bytes' sum plus 2, shifted right by 2, as
 * OpenCV's SIMD code rounds. The source enters the kernels' memory in blocks of row pairs.
 */
function resizeAreaHalf(src: RawImage, width: number, height: number, out: Uint8Array): RawImage {
  const cn = src.channels
  const {a, b, outStep} = HALF_MASKS[cn]!
  const k = pixelKernels()
  const rowBytes = src.width * cn
  const outRowBytes = width * cn
  const blockPairs = Math.max(1, Math.floor(COPY_BLOCK / (2 * rowBytes)))
  const [block, masks, dst] = layOut(k, [blockPairs * 2 * rowBytes, 32, blockPairs * outRowBytes]) as [number, number, number]
  const heap = new Uint8Array(k.memory.buffer)
  heap.fill(16, masks, masks + 32)
  heap.set(a, masks)
  heap.set(b, masks + 16)
  for (let first = 0; first < height; first += blockPairs) {
    const pairs = Math.min(blockPairs, height - first)
    heap.set(src.data.subarray(2 * first * rowBytes, 2 * (first + pairs) * rowBytes), block)
    k.areaHalf(block, rowBytes, pairs, dst, outRowBytes, masks, outStep)
    out.set(heap.subarray(dst, dst + pairs * outRowBytes), first * outRowBytes)
  }
  return {data: out, width, height, channels: cn}
}

/** Bytes of source rows copied into the kernels' memory (and passed horizontally) at a time. */
const COPY_BLOCK = 1 << 20

/**
 * The weighted path, in pixel-kernels.wat: the horizontal pass of each source row (float32 products
 * summed per destination pixel, one f32x4 per pixel), then the rows summed with their weights into
 * each destination row, rounded ties to even and saturated. The source enters the kernels' memory
 * in blocks of rows of about COPY_BLOCK bytes, so that memory stays small whatever the image.
 */
function resizeAreaWeighted(src: RawImage, width: number, height: number, scaleX: number, scaleY: number, out: Uint8Array): RawImage {
  const cn = src.channels
  if (cn < 1 || cn > 4) throw new RangeError(`resizeArea: ${cn} channels; expected 1 to 4`)
  const xtab = areaTab(src.width, width, scaleX, 16, cn)
  const ytab = areaTab(src.height, height, scaleY, 1, 1)
  const k = pixelKernels()
  const rowBytes = src.width * cn
  const outRowBytes = width * cn
  const passedBytes = width * 16
  const tapBytes = xtab.size * 4
  const blockRows = Math.max(1, Math.floor(COPY_BLOCK / rowBytes))
  const [block, passed, si, di, alpha, sum, dst] = layOut(k, [blockRows * rowBytes, blockRows * passedBytes, tapBytes, tapBytes, tapBytes, passedBytes, outRowBytes]) as [number, number, number, number, number, number, number]
  const heap = new Uint8Array(k.memory.buffer)
  const put = (at: number, data: Int32Array | Float32Array): void => heap.set(new Uint8Array(data.buffer, data.byteOffset, tapBytes), at)
  put(si, xtab.si)
  put(di, xtab.di)
  put(alpha, xtab.alpha)
  const emit = (dy: number): void => {
    k.areaEmit(sum, width, cn, dst)
    out.set(heap.subarray(dst, dst + outRowBytes), dy * outRowBytes)
  }
  let prevDy = -1
  let blockStart = 0
  let blockEnd = 0
  for (let j = 0; j < ytab.size; j++) {
    const dy = ytab.di[j] as number
    const sy = ytab.si[j] as number
    // Source rows come in order; a row on a boundary feeds two destination rows (one pass for both).
    if (sy < blockStart || sy >= blockEnd) {
      blockStart = sy
      blockEnd = Math.min(src.height, sy + blockRows)
      heap.set(src.data.subarray(blockStart * rowBytes, blockEnd * rowBytes), block)
      k.areaRows(block, rowBytes, blockEnd - blockStart, si, di, alpha, xtab.size, passed, passedBytes)
    }
    if (dy !== prevDy && prevDy >= 0) emit(prevDy)
    k.areaAccumulate(passed + (sy - blockStart) * passedBytes, sum, passedBytes, ytab.alpha[j] as number, dy !== prevDy ? 1 : 0)
    prevDy = dy
  }
  emit(prevDy)
  return {data: out, width, height, channels: cn}
}
