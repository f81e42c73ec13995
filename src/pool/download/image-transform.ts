import sharp, {type SharpOptions} from 'sharp'

import {readJpegFrame} from '../../eval/clip/jpeg-header.js'
import {longestMaxSize, resizeArea, type RawImage} from './area-resize.js'
import {blurFaces, outlyingFaceBox, type FaceBox} from './face-blur.js'
import {giveScratch, MAX_POOLED_BYTES, takeScratch} from './scratch-buffers.js'

/**
 * img2dataset 1.40's Resizer (resizer.py) under the parameters DataComp's download_upstream.py fixes
 * (datacomp spec §2.5): decode as `cv2.imdecode(IMREAD_UNCHANGED)` does, put an alpha channel on
 * white, shrink with INTER_AREA so the longest side is `imageSize` only if it is longer
 * (keep_ratio_largest, resize_only_if_bigger), blur the face boxes (after the resize, or on the
 * original when there was none), and always re-encode as JPEG quality 95.
 *
 * sharp (libvips with libjpeg-turbo's decoder) decodes JPEG to the same pixels as OpenCV's
 * libjpeg-turbo, and its encoder at quality 95 without Huffman optimisation gives JPEGs that decode to
 * the same pixels as `cv2.imencode('.jpg', …, [IMWRITE_JPEG_QUALITY, 95])` (checked in
 * test/unit/pool/image-transform.test.ts). Deviations, each stated where it happens:
 * - formats: JPEG, PNG, WebP and TIFF are decoded. GIF, SVG, AVIF/HEIF and anything else fail with
 *   img2dataset's "Image decoding error" (OpenCV 4.6 reads none of them); BMP and PNM, which OpenCV
 *   would read, fail too (sharp has no decoder for them).
 * - 16-bit images are scaled to 8 bits by sharp; OpenCV keeps 16 bits and saturates on JPEG encode.
 * - CMYK JPEGs and embedded ICC profiles go through libvips' colour management; OpenCV ignores profiles.
 * - images over MAX_INPUT_PIXELS are refused before decoding (OpenCV's limit is 2^30 pixels).
 */

/** JPEG quality of img2dataset's `encode_quality` default. */
export const JPEG_QUALITY = 95

/** Largest image decoded (pixels): bounds memory per image (sharp's own default). */
export const MAX_INPUT_PIXELS = 16383 * 16383

/** What img2dataset's Resizer returns for one image. */
export type TransformResult =
  | {ok: true; jpeg: Buffer; width: number; height: number; originalWidth: number; originalHeight: number}
  | {ok: false; error: string}

/** failOn 'none': libjpeg in OpenCV decodes a truncated JPEG (grey fill) rather than failing. */
const DECODE_OPTIONS = {failOn: 'none', limitInputPixels: MAX_INPUT_PIXELS, autoOrient: false} as const

/** `cv2.imencode('.jpg', …, [IMWRITE_JPEG_QUALITY, 95])`'s settings: libjpeg's defaults at quality 95. */
const JPEG_OPTIONS = {quality: JPEG_QUALITY, optimiseCoding: false, chromaSubsampling: '4:2:0'} as const

/** Formats OpenCV 4.6 and sharp both decode, by their first bytes. */
function decodable(bytes: Uint8Array): boolean {
  const at = (i: number, ...values: number[]): boolean => values.every((v, j) => bytes[i + j] === v)
  return (
    at(0, 0xff, 0xd8, 0xff) ||
    at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) ||
    (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) ||
    at(0, 0x49, 0x49, 0x2a, 0x00) ||
    at(0, 0x4d, 0x4d, 0x00, 0x2a)
  )
}

/**
 * Whether libvips decodes these bytes to one band. For a JPEG, its frame header says (one component
 * is grey, as libjpeg decodes it), which saves a second sharp call per image; other formats, and a
 * JPEG whose frame header cannot be found, ask sharp.
 */
async function decodesToGrey(bytes: Uint8Array, options: SharpOptions): Promise<boolean> {
  const frame = readJpegFrame(bytes)
  if (frame) return frame.components.length === 1
  return (await sharp(bytes, options).metadata()).channels === 1
}

/** Decodes to 8-bit pixels with OpenCV's channel counts: 1 (grey), 3, or 4 (with alpha). */
async function decode(bytes: Uint8Array): Promise<RawImage | undefined> {
  if (!decodable(bytes)) return undefined
  try {
    const grey = await decodesToGrey(bytes, DECODE_OPTIONS)
    // libvips would hand out a grey image as sRGB; OpenCV keeps its one channel (and encodes a grey JPEG)
    const pipeline = sharp(bytes, DECODE_OPTIONS)
    const {data, info} = await (grey ? pipeline.toColourspace('b-w') : pipeline).raw({depth: 'uchar'}).toBuffer({resolveWithObject: true})
    const image: RawImage = {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels}
    if (info.channels !== 2) return image
    // grey + alpha: OpenCV's PNG decoder gives 4 channels
    const rgba = new Uint8Array(info.width * info.height * 4)
    for (let i = 0, j = 0; i < image.data.length; i += 2, j += 4) {
      rgba.fill(image.data[i] as number, j, j + 3)
      rgba[j + 3] = image.data[i + 1] as number
    }
    return {...image, data: rgba, channels: 4}
  } catch {
    return undefined
  }
}

/** resizer.py's alpha matting: `np.rint(clip(alpha / 255 * rgb + 255 - alpha))` in float64. */
function onWhite(img: RawImage): RawImage {
  const n = img.width * img.height
  const out = new Uint8Array(n * 3)
  for (let i = 0; i < n; i++) {
    const a = img.data[i * 4 + 3] as number
    for (let c = 0; c < 3; c++) {
      const v = (a / 255) * (img.data[i * 4 + c] as number) + 255 - a
      out[i * 3 + c] = Math.min(255, Math.max(0, roundTiesEven(v)))
    }
  }
  return {data: out, width: img.width, height: img.height, channels: 3}
}

function roundTiesEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** Encodes pixels as img2dataset's `cv2.imencode('.jpg', img, [IMWRITE_JPEG_QUALITY, 95])`. */
export async function encodeJpeg(img: RawImage): Promise<Buffer> {
  const pipeline = sharp(img.data, {raw: {width: img.width, height: img.height, channels: img.channels as 1 | 3}})
  // OpenCV writes a one-channel image as a greyscale JPEG; libvips would write it as sRGB.
  return (img.channels === 1 ? pipeline.toColourspace('b-w') : pipeline).jpeg(JPEG_OPTIONS).toBuffer()
}

/** transformPixels' result: the pixels, and the scratch buffer (scratch-buffers.ts) holding them, if any. */
export type PixelsResult = {ok: true; img: RawImage; originalWidth: number; originalHeight: number; scratch?: Uint8Array} | {ok: false; error: string}

/**
 * The pixels img2dataset would encode: decoded, on white, shrunk, faces blurred; or its error text.
 * The decoded pixels are this call's own, so the blur works on them in place; a shrunk image goes
 * into a reused scratch buffer (returned as `scratch`: hand it back with giveScratch once the pixels
 * are no longer needed, or leave it to the collector).
 */
export async function transformPixels(bytes: Uint8Array, imageSize: number, faces: readonly FaceBox[] | null): Promise<PixelsResult> {
  let img = await decode(bytes)
  if (!img) return {ok: false, error: 'Image decoding error'}
  if (img.channels === 4) img = onWhite(img)
  const originalWidth = img.width
  const originalHeight = img.height
  const shrink = Math.max(originalWidth, originalHeight) > imageSize ? longestMaxSize(originalWidth, originalHeight, imageSize) : undefined
  // OpenCV asserts on an empty size; the wording of this error is dcbench's.
  if (shrink && (shrink.width < 1 || shrink.height < 1)) return {ok: false, error: `resize to an empty size (${shrink.width}x${shrink.height})`}
  const outlying = faces ? outlyingFaceBox(faces) : undefined
  if (outlying) return {ok: false, error: `face box ${JSON.stringify(outlying)} lies far outside the image (coordinates are fractions of its sides)`}
  let scratch: Uint8Array | undefined
  if (shrink) {
    // At most imageSize × imageSize pixels of at most 3 channels (alpha is gone by now); a size too
    // large to keep buffers of gets an array of just the image's bytes, as before the pool.
    const capacity = imageSize * imageSize * 3
    scratch = capacity <= MAX_POOLED_BYTES ? takeScratch(capacity) : undefined
    img = resizeArea(img, shrink.width, shrink.height, scratch)
  }
  if (faces) img = blurFaces(img, faces, img.data)
  return {ok: true, img, originalWidth, originalHeight, ...(scratch ? {scratch} : {})}
}

/**
 * A grey or colour JPEG that needs neither a shrink nor a blur: img2dataset decodes and re-encodes it,
 * and so does this, in one sharp pipeline instead of decoding into JavaScript and encoding from there
 * (the same libvips decode and encode, so the same bytes: test/unit/pool/image-transform.test.ts
 * compares both paths). Saves a sharp call and a decoded copy of the pixels per image, which small web
 * images are most of. Undefined where the path does not apply.
 */
export async function reencodeUnchangedJpeg(bytes: Uint8Array, imageSize: number, faces: readonly FaceBox[] | null): Promise<TransformResult | undefined> {
  if (faces && faces.length > 0) return undefined
  const frame = readJpegFrame(bytes)
  const channels = frame?.components.length
  if (!frame || (channels !== 1 && channels !== 3) || frame.width < 1 || frame.height < 1 || Math.max(frame.width, frame.height) > imageSize) return undefined
  const pipeline = sharp(bytes, DECODE_OPTIONS)
  try {
    const {data, info} = await (channels === 1 ? pipeline.toColourspace('b-w') : pipeline).jpeg(JPEG_OPTIONS).toBuffer({resolveWithObject: true})
    return {ok: true, jpeg: data, width: info.width, height: info.height, originalWidth: info.width, originalHeight: info.height}
  } catch {
    return {ok: false, error: 'Image decoding error'}
  }
}

/** Resizer.__call__ under DataComp's parameters: the JPEG and sizes, or img2dataset's error text. */
export async function transformImage(bytes: Uint8Array, imageSize: number, faces: readonly FaceBox[] | null): Promise<TransformResult> {
  const unchanged = await reencodeUnchangedJpeg(bytes, imageSize, faces)
  if (unchanged) return unchanged
  const result = await transformPixels(bytes, imageSize, faces)
  if (!result.ok) return result
  try {
    const jpeg = await encodeJpeg(result.img)
    return {ok: true, jpeg, width: result.img.width, height: result.img.height, originalWidth: result.originalWidth, originalHeight: result.originalHeight}
  } catch (error) {
    return {ok: false, error: (error as Error).message.split('\n')[0] ?? 'encoding error'}
  } finally {
    // sharp has read the pixels by now (its promise settled), so the buffer can serve the next image.
    if (result.scratch) giveScratch(result.scratch)
  }
}
