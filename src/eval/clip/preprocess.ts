import sharp from 'sharp'

import {pilResizeBicubic, pilResizeBicubicWindow, type RawImage} from './pil-resize.js'

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
 * open_clip's eval transform on decoded RGB: Resize(short side, PIL bicubic) → CenterCrop → ToTensor →
 * Normalize, written as CHW float32 into `out` at `offset` (3·S·S values), bit-identical to torchvision.
 */
export function preprocessRgb(image: RawImage, config: PreprocessConfig, table: Float32Array, out: Float32Array, offset = 0): void {
  const size = config.imageSize
  const target = resizedSize(image.width, image.height, size)
  // torchvision returns the image untouched when it already has the target size.
  const same = target.width === image.width && target.height === image.height
  let resized: RawImage
  if (!same && target.width >= size && target.height >= size) {
    // Resize only the center crop's window (bit-identical to resizing all, then cropping).
    const window = {left: roundHalfEven((target.width - size) / 2), top: roundHalfEven((target.height - size) / 2), width: size, height: size}
    resized = pilResizeBicubicWindow(image, target.width, target.height, window)
  } else {
    resized = same ? image : pilResizeBicubic(image, target.width, target.height)
  }
  let {width, height} = resized
  let data = resized.data
  let top = roundHalfEven((height - size) / 2)
  let left = roundHalfEven((width - size) / 2)
  if (width < size || height < size) {
    // CenterCrop pads with zeros first when the image is smaller than the crop (only for degenerate inputs).
    const padLeft = width < size ? Math.floor((size - width) / 2) : 0
    const padTop = height < size ? Math.floor((size - height) / 2) : 0
    const pw = Math.max(width, size)
    const ph = Math.max(height, size)
    const padded = new Uint8Array(pw * ph * 3)
    for (let y = 0; y < height; y++) padded.set(data.subarray(y * width * 3, (y + 1) * width * 3), ((y + padTop) * pw + padLeft) * 3)
    data = padded
    width = pw
    height = ph
    top = roundHalfEven((height - size) / 2)
    left = roundHalfEven((width - size) / 2)
  }
  const plane = size * size
  for (let y = 0; y < size; y++) {
    let p = ((y + top) * width + left) * 3
    const row = offset + y * size
    for (let x = 0; x < size; x++, p += 3) {
      out[row + x] = table[data[p] as number] as number
      out[row + plane + x] = table[256 + (data[p + 1] as number)] as number
      out[row + 2 * plane + x] = table[512 + (data[p + 2] as number)] as number
    }
  }
}

/** Decode + preprocess one encoded image into a new CHW float32 array. */
export async function preprocessImage(bytes: Uint8Array, config: PreprocessConfig): Promise<Float32Array> {
  const out = new Float32Array(3 * config.imageSize * config.imageSize)
  preprocessRgb(await decodeRgb(bytes), config, normalisationTable(config), out)
  return out
}
