import {describe, expect, it} from 'vitest'

import {createRng} from '../../../src/util/rng.js'
import {
  allScenes,
  blankSample,
  captionFor,
  cleanSample,
  COLOUR_RGB,
  COLOURS,
  decodeImage,
  describeScene,
  encodeJpeg,
  IMAGE_CAPTION_VOCABULARY,
  IMAGE_QUALITIES,
  mismatchedSample,
  nearDuplicateSample,
  nondescriptiveCaption,
  nondescriptiveSample,
  parseCaption,
  POSITIONS,
  randomScene,
  renderScene,
  sameScene,
  SHAPES,
  shapeContains,
  splitWords,
  type RgbImage,
} from '../../../src/world/index.js'

function pixel(image: RgbImage, x: number, y: number): [number, number, number] {
  const i = (Math.floor(y) * image.width + Math.floor(x)) * 3
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))
}

describe('image world', () => {
  it('is deterministic in the rng: same key, same scene, pixels and caption', () => {
    const make = () => {
      const rng = createRng('img')
      const scene = randomScene(rng)
      return {scene, image: renderScene(scene, {rng}), caption: captionFor(scene, rng)}
    }
    const a = make()
    const b = make()
    expect(a.scene).toEqual(b.scene)
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true)
    expect(a.caption).toBe(b.caption)
    const other = renderScene(a.scene, {rng: createRng('other')})
    expect(Buffer.from(other.data).equals(Buffer.from(a.image.data))).toBe(false)
  })

  it.each([64, 32])('draws every scene at %ipx: the shape colour inside the shape, background around it', (size) => {
    const rng = createRng(`render-${size}`)
    for (const scene of allScenes()) {
      const image = renderScene(scene, {rng, size})
      expect(image).toMatchObject({width: size, height: size, channels: 3})
      expect(image.data).toHaveLength(size * size * 3)
      const {cx, cy, radius} = image.layout
      // a point well inside every shape: the centre, or for a ring a point on the band
      const [px, py] = scene.shape === 'ring' ? [cx + 0.75 * radius, cy] : [cx, cy]
      const target = COLOUR_RGB[scene.colour]
      expect(distance(pixel(image, px, py), target), `${describeScene(scene)} centre`).toBeLessThanOrEqual(22)
      // far outside: at twice the radius from the centre, clamped to the image
      const fx = Math.min(size - 1, Math.max(0, cx + (cx < size / 2 ? 2.2 : -2.2) * radius))
      const fy = cy
      expect(distance(pixel(image, fx, fy), target), `${describeScene(scene)} outside`).toBeGreaterThan(40)
      // the anchor is on the side the position names
      if (scene.position === 'left') expect(cx).toBeLessThan(size / 2)
      if (scene.position === 'right') expect(cx).toBeGreaterThan(size / 2)
      if (scene.position === 'top') expect(cy).toBeLessThan(size / 2)
      if (scene.position === 'bottom') expect(cy).toBeGreaterThan(size / 2)
    }
  })

  it('shape masks differ from each other (no two shapes cover the same pixels)', () => {
    const masks = SHAPES.map((shape) => {
      let bits = ''
      for (let y = -1; y <= 1; y += 0.1) for (let x = -1; x <= 1; x += 0.1) bits += shapeContains(shape, x, y) ? '1' : '0'
      return bits
    })
    expect(new Set(masks).size).toBe(SHAPES.length)
    expect(shapeContains('ring', 0, 0)).toBe(false)
    expect(shapeContains('circle', 0, 0)).toBe(true)
  })

  it('captions name exactly the scene: parseCaption(captionFor(s)) = s for every scene and template', () => {
    const rng = createRng('captions')
    for (const scene of allScenes()) {
      for (let i = 0; i < 20; i++) {
        const caption = captionFor(scene, rng)
        expect(parseCaption(caption), caption).toEqual(scene)
        expect(caption).not.toMatch(/\ba ([aeiou])/) // article agrees with the next word
        expect(caption).not.toMatch(/\ban [^aeiou]/)
      }
    }
    expect(describeScene({shape: 'circle', colour: 'red', position: 'left'})).toBe('a red circle on the left')
    expect(describeScene({shape: 'cross', colour: 'orange', position: 'center'})).toBe('an orange cross in the center')
  })

  it('junk samples carry their label and really are junk', () => {
    const rng = createRng('junk')
    for (let i = 0; i < 200; i++) {
      const clean = cleanSample(rng)
      expect(clean.quality).toBe('clean')
      expect(parseCaption(clean.caption)).toEqual(clean.scene)

      const mismatched = mismatchedSample(rng)
      const said = parseCaption(mismatched.caption)
      expect(said).toBeDefined()
      expect(sameScene(said!, mismatched.scene!)).toBe(false)

      const nondescriptive = nondescriptiveSample(rng)
      expect(parseCaption(nondescriptive.caption)).toBeUndefined()

      const blank = blankSample(rng)
      const first = pixel(blank.image, 0, 0)
      expect(distance(pixel(blank.image, 40, 40), first)).toBeLessThanOrEqual(4)
      expect(blank.scene).toBeUndefined()

      const dup = nearDuplicateSample(clean, rng)
      expect(dup.caption).toBe(clean.caption)
      let diff = 0
      for (let j = 0; j < dup.image.data.length; j++) diff += Math.abs(dup.image.data[j]! - clean.image.data[j]!)
      expect(diff).toBeGreaterThan(0)
    }
    expect(IMAGE_QUALITIES).toEqual(['clean', 'mismatched_caption', 'nondescriptive_caption', 'near_duplicate', 'blank_image'])
    expect(nondescriptiveCaption(createRng(1))).not.toMatch(/#/)
  })

  it('every caption word is in IMAGE_CAPTION_VOCABULARY and every vocabulary word is used', () => {
    const vocabulary = new Set(IMAGE_CAPTION_VOCABULARY)
    const seen = new Set<string>()
    const unknown: string[] = []
    const rng = createRng('vocab')
    for (let i = 0; i < 20_000; i++) {
      const caption = i % 4 === 3 ? nondescriptiveCaption(rng) : captionFor(randomScene(rng), rng)
      for (const word of splitWords(caption)) {
        if (!vocabulary.has(word)) unknown.push(`${word} in "${caption}"`)
        seen.add(word)
      }
    }
    expect(unknown).toEqual([])
    expect([...vocabulary].filter((w) => !seen.has(w))).toEqual([])
    for (const word of [...SHAPES, ...COLOURS, ...POSITIONS]) expect(vocabulary.has(word)).toBe(true)
  })

  it('encodes a JPEG that decodes back to nearly the same pixels', async () => {
    const scene = {shape: 'triangle', colour: 'blue', position: 'right'} as const
    const image = renderScene(scene, {rng: createRng('jpeg')})
    const jpeg = await encodeJpeg(image)
    expect(jpeg.subarray(0, 3).toString('hex')).toBe('ffd8ff')
    const decoded = await decodeImage(jpeg)
    expect(decoded).toMatchObject({width: 64, height: 64, channels: 3})
    let error = 0
    for (let i = 0; i < image.data.length; i++) error += Math.abs(decoded.data[i]! - image.data[i]!)
    expect(error / image.data.length).toBeLessThan(12)
    expect(distance(pixel(decoded, image.layout.cx, image.layout.cy), COLOUR_RGB.blue)).toBeLessThan(40)
    // the same image encodes to the same bytes (pools are reproducible byte for byte)
    expect((await encodeJpeg(image)).equals(jpeg)).toBe(true)
  })
})
