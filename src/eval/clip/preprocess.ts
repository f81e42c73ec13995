import sharp from 'sharp'

import {pilResampler} from './pil-resample.js'
import type {RawImage} from './pil-resize.js'
import {wasmJpegDecodable, WasmJpegDecoder} from './wasm-jpeg.js'

/** open_clip's eval transform parameters (the model directory's `preprocess`). */
export interface PreprocessConfig {
  /** Output side: Resize(image_size) on the short side, then CenterCrop(image_size). */
  imageSize: number
  mean: readonly [number, number, number]
  std: readonly [number, number, number]
}

/** OpenAI CLIP normalisation, open_clip's default (spec §3.2). */
export const OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073] as const
export const OPENAI_STD = [0.26862954, 0.26130258, 0.27577711] as const

// sharp keeps a cache and a thread pool per process; decoding runs in our own worker threads instead.
sharp.cache(false)
sharp.concurrency(1)

/**
 * Decodes an image to interleaved RGB as PIL's `Image.open(...).convert("RGB")` does (webdataset's
 * "pil" decoder): grey is replicated, alpha dropped without compositing, palettes expanded; no EXIF
 * rotation and no ICC colour conversion (PIL applies neither). Inferred/unverified for rare inputs:
 * CMYK JPEGs (libvips converts through a CMYK profile, PIL with a naive formula) and 16-bit PNGs.
 */
export async function decodeRgb(bytes: Uint8Array): Promise<RawImage> {
  const {data, info} = await sharp(bytes, {ignoreIcc: true, autoOrient: false, limitInputPixels: false})
    .raw({depth: 'uchar'})
    .toBuffer({resolveWithObject: true})
  const {width, height, channels} = info
  if (channels === 3) return {data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height, channels: 3}
  const rgb = new Uint8Array(width * height * 3)
  for (let i = 0, o = 0; o < rgb.length; i += channels, o += 3) {
    if (channels >= 3) {
      rgb[o] = data[i] as number
      rgb[o + 1] = data[i + 1] as number
      rgb[o + 2] = data[i + 2] as number
    } else {
      const v = data[i] as number
      rgb[o] = v
      rgb[o + 1] = v
      rgb[o + 2] = v
    }
  }
  return {data: rgb, width, height, channels: 3}
}

/**
 * decodeRgb's pixels, taken from the WebAssembly JPEG decoder where it gives PIL's pixels (most JPEGs,
 * at a fraction of sharp's per-call cost; wasm-jpeg.ts): RGBA there (alpha ignored by preprocessRgb),
 * RGB from sharp otherwise.
 */
export async function decodeForPreprocess(bytes: Uint8Array): Promise<RawImage> {
  if (wasmJpegDecodable(bytes)) {
    const image = (await WasmJpegDecoder.get()).decode(bytes)
    if (image) return image
  }
  return decodeRgb(bytes)
}

/** torchvision 0.14 `Resize(size)` with an int size: the short side becomes `size`, the long side is truncated. */
export function resizedSize(width: number, height: number, size: number): {width: number; height: number} {
  const [short, long] = width <= height ? [width, height] : [height, width]
  const newLong = Math.trunc((size * long) / short)
  return width <= height ? {width: size, height: newLong} : {width: newLong, height: size}
}

/** Python's round() of a float: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x)
  const diff = x - floor
  if (diff > 0.5) return floor + 1
  if (diff < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}

/** Per-channel lookup: uint8 → float32 exactly as ToTensor (x/255) then Normalize ((x-mean)/std) in float32. */
export function normalisationTable(config: Pick<PreprocessConfig, 'mean' | 'std'>): Float32Array {
  const table = new Float32Array(3 * 256)
  const f = Math.fround
  for (let c = 0; c < 3; c++) {
    const mean = f(config.mean[c] as number)
    const std = f(config.std[c] as number)
    for (let v = 0; v < 256; v++) table[c * 256 + v] = f(f(f(v / 255) - mean) / std)
  }
  return table
}

/**
 * open_clip's eval transform on decoded RGB (3 or 4 bytes per pixel, a fourth ignored): Resize(short side, PIL bicubic) → CenterCrop → ToTensor →
 * Normalize, written as CHW float32 into `out` at `offset` (3·S·S values), bit-identical to torchvision.
 */
export function preprocessRgb(image: RawImage, config: PreprocessConfig, table: Float32Array, out: Float32Array, offset = 0): void {
  const size = config.imageSize
  // Both sides are ≥ size after Resize(size), so CenterCrop never pads. Only the crop's window is
  // resized (bit-identical to resizing all, then cropping); an image already at the target size
  // comes out untouched, as torchvision leaves it.
  const target = resizedSize(image.width, image.height, size)
  const window = {left: roundHalfEven((target.width - size) / 2), top: roundHalfEven((target.height - size) / 2), width: size, height: size}
  pilResampler().resizeWindowNormalised(image, target.width, target.height, window, table, out, offset)
}

/** Decode + preprocess one encoded image into a new CHW float32 array. */
export async function preprocessImage(bytes: Uint8Array, config: PreprocessConfig): Promise<Float32Array> {
  const out = new Float32Array(3 * config.imageSize * config.imageSize)
  preprocessRgb(await decodeForPreprocess(bytes), config, normalisationTable(config), out)
  return out
}
