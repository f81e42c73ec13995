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

interface Coefficients {
  /** Filter taps per output pixel (Pillow's ksize). */
  ksize: number
  /** First input index per output pixel. */
  start: Int32Array
  /** Number of taps used per output pixel. */
  count: Int32Array
  /** Fixed-point weights, `ksize` per output pixel. */
  weights: Int32Array
}

function precompute(inSize: number, outSize: number): Coefficients {
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
  const {channels} = image
  if (width === image.width && height === image.height) return {...image, data: image.data.slice()}
  const horiz = precompute(image.width, width)
  const vert = precompute(image.height, height)
  // Rows of the input the vertical pass reads.
  const yFirst = vert.start[0] as number
  const yLast = (vert.start[height - 1] as number) + (vert.count[height - 1] as number)

  let src = image.data
  let srcWidth = image.width
  let rowOffset = 0
  if (width !== image.width) {
    const rows = yLast - yFirst
    const tmp = new Uint8Array(width * rows * channels)
    const {ksize, start, count, weights} = horiz
    for (let y = 0; y < rows; y++) {
      const inRow = (y + yFirst) * image.width * channels
      const outRow = y * width * channels
      for (let xx = 0; xx < width; xx++) {
        const xmin = start[xx] as number
        const n = count[xx] as number
        const kOff = xx * ksize
        for (let c = 0; c < channels; c++) {
          let ss = ROUND
          let p = inRow + xmin * channels + c
          for (let x = 0; x < n; x++, p += channels) ss += (src[p] as number) * (weights[kOff + x] as number)
          tmp[outRow + xx * channels + c] = clip8(ss)
        }
      }
    }
    src = tmp
    srcWidth = width
    rowOffset = yFirst
  }
  if (height === image.height) return {data: src, width, height, channels}
  const out = new Uint8Array(width * height * channels)
  const {ksize, start, count, weights} = vert
  const stride = srcWidth * channels
  for (let yy = 0; yy < height; yy++) {
    const ymin = (start[yy] as number) - rowOffset
    const n = count[yy] as number
    const kOff = yy * ksize
    const outRow = yy * stride
    for (let i = 0; i < stride; i++) {
      let ss = ROUND
      let p = ymin * stride + i
      for (let y = 0; y < n; y++, p += stride) ss += (src[p] as number) * (weights[kOff + y] as number)
      out[outRow + i] = clip8(ss)
    }
  }
  return {data: out, width, height, channels}
}
