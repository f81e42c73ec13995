/**
 * OpenCV 4's `cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)` on 8-bit interleaved pixels, as
 * img2dataset calls it (through albumentations' `longest_max_size`) to shrink an image: the same
 * source-pixel weights, float32 accumulation and rounding as imgproc/src/resize.cpp, so the result
 * equals OpenCV's byte for byte (test/unit/pool/area-resize.test.ts checks it against Debian's
 * python3-opencv 4.6). Only shrinking is implemented: img2dataset with resize_only_if_bigger never
 * enlarges.
 */

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

/** computeResizeAreaTab: which source pixels feed each destination pixel, with what weight. */
function areaTab(ssize: number, dsize: number, cn: number, scale: number): AreaTab {
  const di = new Int32Array(ssize * 2 + 2)
  const si = new Int32Array(ssize * 2 + 2)
  const alpha = new Float32Array(ssize * 2 + 2)
  let k = 0
  const push = (d: number, s: number, a: number): void => {
    di[k] = d * cn
    si[k] = s * cn
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
 * code does), other factors the weighted path (float32 sums, ties to even).
 */
export function resizeArea(src: RawImage, width: number, height: number): RawImage {
  if (width > src.width || height > src.height || width < 1 || height < 1) throw new RangeError(`resizeArea shrinks only: ${src.width}×${src.height} → ${width}×${height}`)
  if (width === src.width && height === src.height) return src
  // OpenCV takes the factors as 1 / (dsize / ssize), not ssize / dsize; they can differ in the last bit.
  const scaleX = 1 / (width / src.width)
  const scaleY = 1 / (height / src.height)
  const iscaleX = Math.round(scaleX)
  const iscaleY = Math.round(scaleY)
  if (Math.abs(scaleX - iscaleX) < Number.EPSILON && Math.abs(scaleY - iscaleY) < Number.EPSILON) return resizeAreaFast(src, width, height, iscaleX, iscaleY)
  return resizeAreaWeighted(src, width, height, scaleX, scaleY)
}

function resizeAreaFast(src: RawImage, width: number, height: number, sx: number, sy: number): RawImage {
  const cn = src.channels
  const out = new Uint8Array(width * height * cn)
  const rowBytes = src.width * cn
  const pairs = sx === 2 && sy === 2 && (cn === 1 || cn === 3 || cn === 4)
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
        out[(dy * width + dx) * cn + c] = pairs ? (sum + 2) >> 2 : saturateU8(Math.fround(sum * scale))
      }
    }
  }
  return {data: out, width, height, channels: cn}
}

function resizeAreaWeighted(src: RawImage, width: number, height: number, scaleX: number, scaleY: number): RawImage {
  const cn = src.channels
  const dw = width * cn
  const xtab = areaTab(src.width, width, cn, scaleX)
  const ytab = areaTab(src.height, height, 1, scaleY)
  const out = new Uint8Array(width * height * cn)
  const buf = new Float32Array(dw)
  const sum = new Float32Array(dw)
  const rowBytes = src.width * cn
  const data = src.data
  let prevDy = 0
  let bufRow = -1
  for (let j = 0; j < ytab.size; j++) {
    const beta = ytab.alpha[j] as number
    const dy = ytab.di[j] as number
    const sy = ytab.si[j] as number
    // A source row on a boundary feeds two destination rows: its horizontal pass is the same for both.
    if (sy !== bufRow) {
      bufRow = sy
      const rowStart = sy * rowBytes
      buf.fill(0)
      for (let k = 0; k < xtab.size; k++) {
        const s = rowStart + (xtab.si[k] as number)
        const d = xtab.di[k] as number
        const alpha = xtab.alpha[k] as number
        if (cn === 3) {
          buf[d] = (buf[d] as number) + Math.fround((data[s] as number) * alpha)
          buf[d + 1] = (buf[d + 1] as number) + Math.fround((data[s + 1] as number) * alpha)
          buf[d + 2] = (buf[d + 2] as number) + Math.fround((data[s + 2] as number) * alpha)
        } else {
          for (let c = 0; c < cn; c++) buf[d + c] = (buf[d + c] as number) + Math.fround((data[s + c] as number) * alpha)
        }
      }
    }
    if (dy !== prevDy) {
      const o = prevDy * dw
      for (let dx = 0; dx < dw; dx++) {
        out[o + dx] = saturateU8(sum[dx] as number)
        sum[dx] = beta * (buf[dx] as number)
      }
      prevDy = dy
    } else {
      for (let dx = 0; dx < dw; dx++) sum[dx] = (sum[dx] as number) + Math.fround(beta * (buf[dx] as number))
    }
  }
  const o = prevDy * dw
  for (let dx = 0; dx < dw; dx++) out[o + dx] = saturateU8(sum[dx] as number)
  return {data: out, width, height, channels: cn}
}
