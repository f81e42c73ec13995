/**
 * This thread's instance of pixel-kernels.wat (INTER_AREA and the face blur's Gaussian in
 * WebAssembly SIMD) and the layout of its memory for one call. The kernels are synchronous and
 * the memory is rewritten by every call, so one instance serves a whole thread.
 */
import {PIXEL_KERNELS_WASM} from './pixel-kernels.wasm.js'

/** The exports of pixel-kernels.wat; pointers are byte offsets into `memory`. */
export interface PixelKernels {
  memory: WebAssembly.Memory
  areaRows(src: number, rowBytes: number, rows: number, si: number, di: number, alpha: number, n: number, out: number, outRowBytes: number): void
  areaAccumulate(buf: number, sum: number, bytes: number, beta: number, first: number): void
  areaEmit(sum: number, width: number, cn: number, dst: number): void
  areaHalf(src: number, rowBytes: number, rows: number, out: number, outRowBytes: number, masks: number, outStep: number): void
  blurRows(pix: number, width: number, rows: number, colIdx: number, lineLen: number, line: number, kernel: number, ksize: number, outWidth: number, out: number): void
  blurColumns(src: number, width: number, rows: number, rowIdx: number, kernel: number, half: number, out: number): void
  blurPack(src: number, pixels: number, cn: number, dst: number): void
  blurMix(img: number, stride: number, width: number, rows: number, cn: number, blurred: number, bStride: number): void
}

/** Every buffer is followed by this much room: the kernels read and write whole vectors, up to 4 pixels of 16 bytes past an end. */
const SLACK = 64

let shared: PixelKernels | undefined

/** This thread's kernels (instantiated on first use). */
export function pixelKernels(): PixelKernels {
  shared ??= new WebAssembly.Instance(new WebAssembly.Module(PIXEL_KERNELS_WASM)).exports as unknown as PixelKernels
  return shared
}

/**
 * Places buffers of `sizes` bytes one after another (16-byte aligned, each with slack), grows the
 * memory to hold them, and returns their offsets. Views of the memory made before this call are
 * stale after it.
 */
export function layOut(kernels: PixelKernels, sizes: readonly number[]): number[] {
  let at = 0
  const offsets = sizes.map((bytes) => {
    const start = at
    at += (bytes + SLACK + 15) & ~15
    return start
  })
  const {memory} = kernels
  if (memory.buffer.byteLength < at) memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536))
  return offsets
}
