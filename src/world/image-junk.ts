import type {Rng} from '../util/rng.js'
import {captionFor, randomScene, renderBlank, renderScene, sameScene, type RgbImage, type Scene} from './image-world.js'

/**
 * Image–text pairs of every quality a tiny DataComp pool holds: the learnable clean part and the junk
 * kinds real web pools are full of. The kind is the ground-truth label `bench pool synth` writes in
 * the metadata `quality` column (only an oracle filter may read it).
 */
export const IMAGE_QUALITIES = ['clean', 'mismatched_caption', 'nondescriptive_caption', 'near_duplicate', 'blank_image'] as const
export type ImageQuality = (typeof IMAGE_QUALITIES)[number]

/** Caption-like strings that describe nothing (file names, UI text); `#` stands for a random digit. */
export const NONDESCRIPTIVE_CAPTIONS = [
  'IMG_####.jpg',
  'DSC_####.JPG',
  'image',
  'untitled',
  'click here',
  'click here to enlarge',
  'thumbnail',
  'view full size',
  'download',
  'photo ####',
  'screenshot',
  'stock photo',
  'no description available',
  'product image',
  'image ### of ###',
] as const

/** One generated pair. */
export interface ImageSample {
  image: RgbImage
  caption: string
  quality: ImageQuality
  /** What the image shows (undefined for blank images). */
  scene?: Scene
}

/** A non-descriptive caption such as "IMG_2031.jpg" or "click here". */
export function nondescriptiveCaption(rng: Rng): string {
  return rng.pick(NONDESCRIPTIVE_CAPTIONS).replace(/#/g, () => String(rng.int(10)))
}

/** A clean pair: the scene and a caption that describes it. */
export function cleanSample(rng: Rng, size?: number): ImageSample {
  const scene = randomScene(rng)
  return {image: renderScene(scene, {rng, size}), caption: captionFor(scene, rng), quality: 'clean', scene}
}

/** A scene captioned as a different scene (at least one attribute differs). */
export function mismatchedSample(rng: Rng, size?: number): ImageSample {
  const scene = randomScene(rng)
  let other = randomScene(rng)
  while (sameScene(scene, other)) other = randomScene(rng)
  return {image: renderScene(scene, {rng, size}), caption: captionFor(other, rng), quality: 'mismatched_caption', scene}
}

/** A scene with a caption that says nothing about it. */
export function nondescriptiveSample(rng: Rng, size?: number): ImageSample {
  const scene = randomScene(rng)
  return {image: renderScene(scene, {rng, size}), caption: nondescriptiveCaption(rng), quality: 'nondescriptive_caption', scene}
}

/** A solid image captioned either as a scene or non-descriptively. */
export function blankSample(rng: Rng, size?: number): ImageSample {
  const caption = rng.chance(0.5) ? captionFor(randomScene(rng), rng) : nondescriptiveCaption(rng)
  return {image: renderBlank({rng, size}), caption, quality: 'blank_image'}
}

/**
 * A near-duplicate of another sample: the same picture shifted by a pixel with faint noise (as after
 * re-encoding or a crop), with the same caption.
 */
export function nearDuplicateSample(source: ImageSample, rng: Rng): ImageSample {
  const {width, height, data} = source.image
  const out = new Uint8Array(data.length)
  const sx = rng.int(3) - 1
  const sy = rng.int(3) - 1
  for (let y = 0; y < height; y++) {
    const yy = Math.min(height - 1, Math.max(0, y + sy))
    for (let x = 0; x < width; x++) {
      const xx = Math.min(width - 1, Math.max(0, x + sx))
      for (let c = 0; c < 3; c++) {
        const v = (data[(yy * width + xx) * 3 + c] as number) + rng.int(7) - 3
        out[(y * width + x) * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v
      }
    }
  }
  return {image: {width, height, channels: 3, data: out}, caption: source.caption, quality: 'near_duplicate', scene: source.scene}
}
