/**
 * Resize (Pillow bicubic) + crop + normalise of one image in WebAssembly SIMD (pil-resample.wat):
 * the same fixed-point arithmetic as pil-resize.ts, bit for bit, several times faster than it in V8.
 */
import {bicubicCoefficients, type Coefficients, type RawImage, type Window} from './pil-resize.js'
import {PIL_RESAMPLE_WASM} from './pil-resample.wasm.js'

interface Kernels {
  memory: WebAssembly.Memory
  horizontal(src: number, srcStride: number, rows: number, starts: number, groups: number, weights: number, weightStride: number, x0: number, width: number, dst: number): void
  rgbToRgba(src: number, pixels: number, dst: number): void
  vertical(src: number, stride: number, firstRow: number, starts: number, counts: number, weights: number, ksize: number, y0: number, height: number, dst: number): void
  normalise(src: number, pixels: number, table: number, dst: number): void
}

/** The vertical pass' taps: starts and counts as int32, each weight splatted to 4 lanes. */
interface VerticalTaps {
  ksize: number
  starts: Int32Array
  counts: Int32Array
  weights: Int32Array
}

/** The horizontal pass' taps: runs of 4 per output pixel, weights split for i16 dot products (pil-resample.wat). */
interface HorizontalTaps {
  /** Bytes of weights per output pixel. */
  stride: number
  starts: Int32Array
  groups: Int32Array
  weights: Int16Array
}

const ONE = 1 << 22
/** Every buffer gets this slack: the kernels read and write whole 16-byte vectors. */
const SLACK = 16
const TABLE_BYTES = 3 * 256 * 4

function verticalTaps({ksize, start, count, weights}: Coefficients): VerticalTaps {
  const splat = new Int32Array(weights.length * 4)
  for (let i = 0; i < weights.length; i++) splat.fill(weights[i] as number, i * 4, i * 4 + 4)
  return {ksize, starts: start, counts: count, weights: splat}
}

function horizontalTaps({ksize, start, count, weights}: Coefficients): HorizontalTaps {
  const runs = Math.ceil(ksize / 4)
  const out = new Int16Array(count.length * runs * 32)
  for (let x = 0; x < count.length; x++) {
    for (let t = 0; t < ksize; t++) {
      const w = weights[x * ksize + t] as number
      // 64 bytes per run of 4 taps: [low(t0) low(t1)]×4, [high(t0) high(t1)]×4, then t2, t3 alike.
      const block = (x * runs + (t >> 2)) * 32 + ((t >> 1) & 1) * 16 + (t & 1)
      for (let lane = 0; lane < 8; lane += 2) {
        out[block + lane] = w & 0x7ff
        out[block + 8 + lane] = w >> 11
      }
    }
  }
  return {stride: runs * 64, starts: start, groups: count.map((n) => Math.ceil(n / 4)), weights: out}
}

/** Pillow skips a pass whose size does not change; one tap of weight 1.0 gives the same bytes. */
function identity(size: number): Coefficients {
  return {ksize: 1, start: Int32Array.from({length: size}, (_, i) => i), count: new Int32Array(size).fill(1), weights: new Int32Array(size).fill(ONE)}
}

const align = (n: number): number => (n + SLACK + 15) & ~15

/** One thread's kernels and scratch memory. Not re-entrant; use one per thread (see `pilResampler`). */
export class PilResampler {
  private readonly kernels: Kernels
  private readonly horizontalCache = new Map<string, HorizontalTaps>()
  private readonly verticalCache = new Map<string, VerticalTaps>()
  private table: Float32Array | undefined

  constructor() {
    const module = new WebAssembly.Module(PIL_RESAMPLE_WASM)
    this.kernels = new WebAssembly.Instance(module).exports as unknown as Kernels
  }

  private taps<T>(cache: Map<string, T>, inSize: number, outSize: number, pack: (c: Coefficients) => T): T {
    const key = `${inSize}>${outSize}`
    let taps = cache.get(key)
    if (!taps) {
      taps = pack(inSize === outSize ? identity(outSize) : bicubicCoefficients(inSize, outSize))
      // Eval sets have few distinct sizes; bound the cache for those that do not.
      if (cache.size >= 256) cache.clear()
      cache.set(key, taps)
    }
    return taps
  }

  /**
   * `window` of `PIL.Image.resize((width, height), BICUBIC)` of `image` (3 or 4 bytes per pixel,
   * RGB first; a fourth channel is ignored), mapped through `table` (normalisationTable) into
   * `out` at `offset` as CHW float32 planes of window.width × window.height.
   */
  resizeWindowNormalised(image: RawImage, width: number, height: number, window: Window, table: Float32Array, out: Float32Array, offset: number): void {
    if (image.channels !== 3 && image.channels !== 4) throw new Error(`pil-resample: ${image.channels} channels; expected 3 or 4`)
    const horiz = this.taps(this.horizontalCache, image.width, width, horizontalTaps)
    const vert = this.taps(this.verticalCache, image.height, height, verticalTaps)
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
    const hGroups = place(horiz.groups.byteLength)
    const hWeights = place(horiz.weights.byteLength)
    const vStarts = place(vert.starts.byteLength)
    const vCounts = place(vert.counts.byteLength)
    const vWeights = place(vert.weights.byteLength)
    const srcStride = image.width * 4
    const src = place(rows * srcStride)
    const rgb = image.channels === 3 ? place(rows * image.width * 3) : 0
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
    const put = (at: number, data: Int32Array | Int16Array): void => heap.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at)
    put(hStarts, horiz.starts)
    put(hGroups, horiz.groups)
    put(hWeights, horiz.weights)
    put(vStarts, vert.starts)
    put(vCounts, vert.counts)
    put(vWeights, vert.weights)
    const inStride = image.width * image.channels
    heap.set(image.data.subarray(firstRow * inStride, lastRow * inStride), image.channels === 3 ? rgb : src)

    const k = this.kernels
    if (image.channels === 3) k.rgbToRgba(rgb, rows * image.width, src)
    k.horizontal(src, srcStride, rows, hStarts, hGroups, hWeights, horiz.stride, window.left, window.width, tmp)
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
