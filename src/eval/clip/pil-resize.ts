/**
 * Pillow's bicubic resampling of 8-bit images, reproduced exactly (Pillow's libImaging/Resample.c,
 * as used by torchvision 0.14's Resize on PIL images): a separable convolution with Keys' cubic
 * (a = -0.5) whose support widens by the scale factor when shrinking (antialiasing), coefficients in
 * 22-bit fixed point, a horizontal pass over only the rows the vertical pass needs, rounding and
 * clamping to uint8 after each pass. sharp's (libvips') bicubic kernel differs, and the difference
 * changes predictions of small models, hence this implementation.
 */

const PRECISION_BITS = 32 - 8 - 2
const SUPPORT = 2

function bicubic(x: number): number {
  const a = -0.5
  if (x < 0) x = -x
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a
  return 0
}

/** Pillow's per-output-pixel filter taps for one axis. */
export interface Coefficients {
  /** Filter taps per output pixel (Pillow's ksize). */
  ksize: number
  /** First input index per output pixel. */
  start: Int32Array
  /** Number of taps used per output pixel. */
  count: Int32Array
  /** Fixed-point weights, `ksize` per output pixel. */
  weights: Int32Array
}

/** Pillow's `precompute_coeffs` for resizing an axis of `inSize` pixels to `outSize`. */
export function bicubicCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize
  const filterscale = Math.max(scale, 1)
  const support = SUPPORT * filterscale
  const ksize = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Int32Array(outSize * ksize)
  const k = new Float64Array(ksize)
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale
    const ss = 1 / filterscale
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0)
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin
    let ww = 0
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss)
      k[x] = w
      ww += w
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax ? (ww !== 0 ? (k[x] as number) / ww : (k[x] as number)) : 0
      weights[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS))
    }
    start[xx] = xmin
    count[xx] = xmax
  }
  return {ksize, start, count, weights}
}

const ROUND = 1 << (PRECISION_BITS - 1)
const MAX = 1 << (PRECISION_BITS + 8)

function clip8(v: number): number {
  if (v >= MAX) return 255
  if (v <= 0) return 0
  return v >> PRECISION_BITS
}

/** An interleaved 8-bit image. */
export interface RawImage {
  data: Uint8Array
  width: number
  height: number
  channels: number
}

/** `PIL.Image.resize((width, height), Image.BICUBIC)` of an interleaved 8-bit image. */
export function pilResizeBicubic(image: RawImage, width: number, height: number): RawImage {
  if (width === image.width && height === image.height) return {...image, data: image.data.slice()}
  return pilResizeBicubicWindow(image, width, height, {left: 0, top: 0, width, height})
}

/** A window of an image: its top-left corner and size, in pixels. */
export interface Window {
  left: number
  top: number
  width: number
  height: number
}

/**
 * The `window` of `PIL.Image.resize((width, height), Image.BICUBIC)`, computing only the output pixels
 * inside it: every output pixel of Pillow's separable filter depends only on its own row/column
 * coefficients, so this equals resizing everything and cropping (torchvision's Resize + CenterCrop)
 * bit for bit, at a fraction of the work when the crop drops much of the resized image.
 */
export function pilResizeBicubicWindow(image: RawImage, width: number, height: number, window: Window): RawImage {
  const {channels} = image
  const horiz = bicubicCoefficients(image.width, width)
  const vert = bicubicCoefficients(image.height, height)
  const wx0 = window.left
  const wy0 = window.top
  const ww = window.width
  const wh = window.height
  // Rows of the input the vertical pass reads for the window's output rows.
  let yFirst = image.height
  let yLast = 0
  for (let yy = wy0; yy < wy0 + wh; yy++) {
    yFirst = Math.min(yFirst, vert.start[yy] as number)
    yLast = Math.max(yLast, (vert.start[yy] as number) + (vert.count[yy] as number))
  }
  if (height === image.height) {
    yFirst = wy0
    yLast = wy0 + wh
  }

  // Horizontal pass: window columns of the needed input rows (or those rows as they are).
  const rows = yLast - yFirst
  const stride = ww * channels
  let tmp: Uint8Array
  if (width !== image.width) {
    tmp = new Uint8Array(stride * rows)
    const {ksize, start, count, weights} = horiz
    const src = image.data
    const inStride = image.width * channels
    for (let y = 0; y < rows; y++) {
      const inRow = (y + yFirst) * inStride
      let o = y * stride
      for (let xx = wx0; xx < wx0 + ww; xx++) {
        const n = count[xx] as number
        const kOff = xx * ksize
        let p = inRow + (start[xx] as number) * channels
        if (channels === 3) {
          let s0 = ROUND
          let s1 = ROUND
          let s2 = ROUND
          for (let x = 0; x < n; x++, p += 3) {
            const w = weights[kOff + x] as number
            // int32 arithmetic, as Pillow's INT32 accumulators (and V8's fastest path)
            s0 = (s0 + Math.imul(src[p] as number, w)) | 0
            s1 = (s1 + Math.imul(src[p + 1] as number, w)) | 0
            s2 = (s2 + Math.imul(src[p + 2] as number, w)) | 0
          }
          tmp[o++] = clip8(s0)
          tmp[o++] = clip8(s1)
          tmp[o++] = clip8(s2)
        } else {
          for (let c = 0; c < channels; c++) {
            let ss = ROUND
            let q = p + c
            for (let x = 0; x < n; x++, q += channels) ss += (src[q] as number) * (weights[kOff + x] as number)
            tmp[o++] = clip8(ss)
          }
        }
      }
    }
  } else {
    tmp = new Uint8Array(stride * rows)
    for (let y = 0; y < rows; y++) tmp.set(image.data.subarray(((y + yFirst) * image.width + wx0) * channels, ((y + yFirst) * image.width + wx0 + ww) * channels), y * stride)
  }
  if (height === image.height) return {data: tmp, width: ww, height: wh, channels}

  // Vertical pass, row by row: accumulate whole input rows (sequential memory access).
  const out = new Uint8Array(stride * wh)
  const acc = new Int32Array(stride)
  const {ksize, start, count, weights} = vert
  for (let yy = wy0; yy < wy0 + wh; yy++) {
    const n = count[yy] as number
    const kOff = yy * ksize
    acc.fill(ROUND)
    let rowStart = ((start[yy] as number) - yFirst) * stride
    for (let y = 0; y < n; y++, rowStart += stride) {
      const w = weights[kOff + y] as number
      for (let i = 0; i < stride; i++) acc[i] = ((acc[i] as number) + Math.imul(tmp[rowStart + i] as number, w)) | 0
    }
    const o = (yy - wy0) * stride
    for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i] as number)
  }
  return {data: out, width: ww, height: wh, channels}
}
