/**
 * Resize (Pillow bicubic) + crop + normalise of one image in WebAssembly SIMD (pil-resample.wat):
 * the same fixed-point arithmetic as pil-resize.ts, bit for bit, several times faster than it in V8.
 */
import {bicubicCoefficients, type Coefficients, type RawImage, type Window} from './pil-resize.js'
import {PIL_RESAMPLE_WASM} from './pil-resample.wasm.js'

interface Kernels {
  memory: WebAssembly.Memory
  horizontal(src: number, srcStride: number, pixelBytes: number, rows: number, starts: number, counts: number, weights: number, ksize: number, x0: number, width: number, dst: number): void
  vertical(src: number, stride: number, firstRow: number, starts: number, counts: number, weights: number, ksize: number, y0: number, height: number, dst: number): void
  normalise(src: number, pixels: number, table: number, dst: number): void
}

/** An axis' taps as the kernels read them: starts and counts as int32, each weight splatted to 4 lanes. */
interface PackedCoefficients {
  ksize: number
  starts: Int32Array
  counts: Int32Array
  weights: Int32Array
}

const ONE = 1 << 22
/** Every buffer gets this slack: the kernels read and write whole 16-byte vectors. */
const SLACK = 16
const TABLE_BYTES = 3 * 256 * 4

function pack({ksize, start, count, weights}: Coefficients): PackedCoefficients {
  const splat = new Int32Array(weights.length * 4)
  for (let i = 0; i < weights.length; i++) splat.fill(weights[i] as number, i * 4, i * 4 + 4)
  return {ksize, starts: start, counts: count, weights: splat}
}

/** Pillow skips a pass whose size does not change; one tap of weight 1.0 gives the same bytes. */
function identity(size: number): PackedCoefficients {
  const starts = Int32Array.from({length: size}, (_, i) => i)
  return {ksize: 1, starts, counts: new Int32Array(size).fill(1), weights: new Int32Array(size * 4).fill(ONE)}
}

const align = (n: number): number => (n + SLACK + 15) & ~15

/** One thread's kernels and scratch memory. Not re-entrant; use one per thread (see `pilResampler`). */
export class PilResampler {
  private readonly kernels: Kernels
  private readonly coefficients = new Map<string, PackedCoefficients>()
  private table: Float32Array | undefined

  constructor() {
    const module = new WebAssembly.Module(PIL_RESAMPLE_WASM)
    this.kernels = new WebAssembly.Instance(module).exports as unknown as Kernels
  }

  private axis(inSize: number, outSize: number): PackedCoefficients {
    const key = `${inSize}>${outSize}`
    let packed = this.coefficients.get(key)
    if (!packed) {
      packed = inSize === outSize ? identity(outSize) : pack(bicubicCoefficients(inSize, outSize))
      // Eval sets have few distinct sizes; bound the cache for those that do not.
      if (this.coefficients.size >= 256) this.coefficients.clear()
      this.coefficients.set(key, packed)
    }
    return packed
  }

  /**
   * `window` of `PIL.Image.resize((width, height), BICUBIC)` of `image` (3 or 4 bytes per pixel,
   * RGB first; a fourth channel is ignored), mapped through `table` (normalisationTable) into
   * `out` at `offset` as CHW float32 planes of window.width × window.height.
   */
  resizeWindowNormalised(image: RawImage, width: number, height: number, window: Window, table: Float32Array, out: Float32Array, offset: number): void {
    if (image.channels !== 3 && image.channels !== 4) throw new Error(`pil-resample: ${image.channels} channels; expected 3 or 4`)
    const horiz = this.axis(image.width, width)
    const vert = this.axis(image.height, height)
    let firstRow = image.height
    let lastRow = 0
    for (let yy = window.top; yy < window.top + window.height; yy++) {
      firstRow = Math.min(firstRow, vert.starts[yy] as number)
      lastRow = Math.max(lastRow, (vert.starts[yy] as number) + (vert.counts[yy] as number))
    }
    const rows = lastRow - firstRow
    const stride = window.width * 3
    const pixels = window.width * window.height

    // Layout: table | both axes' taps | source rows | horizontal output | window | float planes.
    let at = TABLE_BYTES
    const place = (bytes: number): number => {
      const start = at
      at += align(bytes)
      return start
    }
    const hStarts = place(horiz.starts.byteLength)
    const hCounts = place(horiz.counts.byteLength)
    const hWeights = place(horiz.weights.byteLength)
    const vStarts = place(vert.starts.byteLength)
    const vCounts = place(vert.counts.byteLength)
    const vWeights = place(vert.weights.byteLength)
    const srcStride = image.width * image.channels
    const src = place(rows * srcStride)
    const tmp = place(rows * stride)
    const win = place(pixels * 3)
    const planes = place(pixels * 3 * 4)
    const {memory} = this.kernels
    if (memory.buffer.byteLength < at) {
      memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536))
      this.table = undefined
    }
    const heap = new Uint8Array(memory.buffer)
    if (this.table !== table) {
      heap.set(new Uint8Array(table.buffer, table.byteOffset, 3 * 256 * 4), 0)
      this.table = table
    }
    const put = (at: number, data: Int32Array): void => heap.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at)
    put(hStarts, horiz.starts)
    put(hCounts, horiz.counts)
    put(hWeights, horiz.weights)
    put(vStarts, vert.starts)
    put(vCounts, vert.counts)
    put(vWeights, vert.weights)
    heap.set(image.data.subarray(firstRow * srcStride, lastRow * srcStride), src)

    const k = this.kernels
    k.horizontal(src, srcStride, image.channels, rows, hStarts, hCounts, hWeights, horiz.ksize, window.left, window.width, tmp)
    k.vertical(tmp, stride, firstRow, vStarts, vCounts, vWeights, vert.ksize, window.top, window.height, win)
    k.normalise(win, pixels, 0, planes)
    out.set(new Float32Array(memory.buffer, planes, pixels * 3), offset)
  }

  /** The window's resized RGB bytes (tests compare them with pil-resize.ts). */
  resizeWindow(image: RawImage, width: number, height: number, window: Window): RawImage {
    const identityTable = new Float32Array(3 * 256).map((_, i) => i % 256)
    const planes = new Float32Array(3 * window.width * window.height)
    this.resizeWindowNormalised(image, width, height, window, identityTable, planes, 0)
    const pixels = window.width * window.height
    const data = new Uint8Array(pixels * 3)
    for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = planes[c * pixels + i] as number
    return {data, width: window.width, height: window.height, channels: 3}
  }
}

let shared: PilResampler | undefined

/** This thread's resampler (created on first use). */
export function pilResampler(): PilResampler {
  shared ??= new PilResampler()
  return shared
}
