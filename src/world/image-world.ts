import sharp from 'sharp'

import type {Rng} from '../util/rng.js'
import {articleFor} from './english.js'

/**
 * The tiny image world: one coloured shape at one position on a noisy grey background, with natural
 * captions that name the shape, its colour and its position. Tiny DataComp pools (`bench pool synth`)
 * and the tiny CLIP eval suite are generated from it. A tiny ViT-CLIP (patch 8, width 64, 2 layers,
 * 32×32 input) learns all three attributes from a few hundred steps on clean pairs: shapes are about a
 * third of the image wide, colours are far apart in RGB, positions are a patch or more apart.
 */

/** Shapes, distinguishable at 32×32 (the shape spans ~10 pixels there). */
export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring'] as const
export type Shape = (typeof SHAPES)[number]

/** Colours, far apart in RGB and from the grey background. */
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black'] as const
export type Colour = (typeof COLOURS)[number]

/** The nominal RGB value of each colour (rendering adds jitter and noise around it). */
export const COLOUR_RGB: Readonly<Record<Colour, readonly [number, number, number]>> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 225],
  yellow: [235, 215, 40],
  purple: [140, 55, 190],
  orange: [245, 140, 30],
  white: [245, 245, 245],
  black: [20, 20, 20],
}

/** Where the shape sits. */
export const POSITIONS = ['left', 'right', 'top', 'bottom', 'center'] as const
export type Position = (typeof POSITIONS)[number]

/** Shape centre of each position, as a fraction of the image side (x, y; y grows downwards). */
export const POSITION_ANCHORS: Readonly<Record<Position, readonly [number, number]>> = {
  left: [0.25, 0.5],
  right: [0.75, 0.5],
  top: [0.5, 0.25],
  bottom: [0.5, 0.75],
  center: [0.5, 0.5],
}

/** How captions say each position; the first phrase is the canonical one. */
export const POSITION_PHRASES: Readonly<Record<Position, readonly string[]>> = {
  left: ['on the left', 'on the left side', 'at the left'],
  right: ['on the right', 'on the right side', 'at the right'],
  top: ['at the top', 'near the top', 'at the top of the image'],
  bottom: ['at the bottom', 'near the bottom', 'at the bottom of the image'],
  center: ['in the center', 'in the middle', 'in the center of the image'],
}

/**
 * Caption templates. `{a}` is the article for the word after it (a/an), `{colour}`, `{shape}` and
 * `{position}` (one of POSITION_PHRASES) are the scene's attributes.
 */
export const CAPTION_TEMPLATES = [
  '{a} {colour} {shape} {position}',
  'a photo of {a} {colour} {shape} {position}',
  'photo of {a} {colour} {shape} {position}',
  'a picture of {a} {colour} {shape} {position}',
  'there is {a} {colour} {shape} {position}',
  'an image with {a} {colour} {shape} {position}',
  '{a} {colour} {shape} drawn {position}',
  '{position}, {a} {colour} {shape}',
  '{colour} {shape} {position}',
  'a simple drawing of {a} {colour} {shape} {position}',
] as const

/** The side of stored pool images (img2dataset would store up to 512; tiny pools store 64). */
export const IMAGE_SIZE = 64

/** What one image shows. */
export interface Scene {
  shape: Shape
  colour: Colour
  position: Position
}

/** An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B. */
export interface RgbImage {
  width: number
  height: number
  channels: 3
  data: Uint8Array
}

/** Where a shape was drawn, in pixels. */
export interface ShapeLayout {
  /** Centre, in pixels from the left / top edge. */
  cx: number
  cy: number
  /** Half the shape's extent, in pixels. */
  radius: number
  /** Rotation in radians (small: shapes keep their identity). */
  rotation: number
}

/** A rendered scene: the image plus where the shape went (tests and eval suites read the layout). */
export interface RenderedScene extends RgbImage {
  layout: ShapeLayout
}

export interface RenderOptions {
  /** Side in pixels; default IMAGE_SIZE. */
  size?: number
  /** Source of the jitter and noise; the same rng state gives the same pixels. */
  rng: Rng
}

/** A uniformly random scene. */
export function randomScene(rng: Rng): Scene {
  return {shape: rng.pick(SHAPES), colour: rng.pick(COLOURS), position: rng.pick(POSITIONS)}
}

/** Every possible scene (shape × colour × position), in vocabulary order. */
export function allScenes(): Scene[] {
  const scenes: Scene[] = []
  for (const shape of SHAPES) for (const colour of COLOURS) for (const position of POSITIONS) scenes.push({shape, colour, position})
  return scenes
}

/** true when two scenes show the same thing. */
export function sameScene(a: Scene, b: Scene): boolean {
  return a.shape === b.shape && a.colour === b.colour && a.position === b.position
}

/**
 * Whether the point (u, v) — in units of the shape's radius, relative to its centre, v downwards —
 * is inside the shape.
 */
export function shapeContains(shape: Shape, u: number, v: number): boolean {
  switch (shape) {
    case 'circle':
      return u * u + v * v <= 1
    case 'square':
      return Math.abs(u) <= 0.85 && Math.abs(v) <= 0.85
    case 'triangle':
      // apex at the top, base at the bottom
      return v <= 0.8 && v >= -1 && Math.abs(u) <= (v + 1) / 1.8
    case 'diamond':
      return Math.abs(u) + Math.abs(v) <= 1
    case 'cross':
      return (Math.abs(u) <= 0.32 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.32 && Math.abs(u) <= 1)
    case 'ring': {
      const r2 = u * u + v * v
      return r2 <= 1 && r2 >= 0.5 * 0.5
    }
  }
}

/**
 * Draws a scene: grey background with a random tint and per-pixel noise, the shape in its colour
 * (jittered) at its position (jittered), slightly resized and rotated. Deterministic in `rng`.
 */
export function renderScene(scene: Scene, options: RenderOptions): RenderedScene {
  const size = options.size ?? IMAGE_SIZE
  const rng = options.rng
  const [ax, ay] = POSITION_ANCHORS[scene.position]
  const layout: ShapeLayout = {
    cx: (ax + rng.range(-0.05, 0.05)) * size,
    cy: (ay + rng.range(-0.05, 0.05)) * size,
    radius: rng.range(0.16, 0.2) * size,
    rotation: rng.range(-0.15, 0.15),
  }
  const background = greyBackground(rng)
  const base = COLOUR_RGB[scene.colour]
  const fg = base.map((c) => clampByte(c + rng.range(-15, 15))) as [number, number, number]
  const data = new Uint8Array(size * size * 3)
  const cos = Math.cos(layout.rotation)
  const sin = Math.sin(layout.rotation)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x + 0.5 - layout.cx) / layout.radius
      const dy = (y + 0.5 - layout.cy) / layout.radius
      const u = dx * cos + dy * sin
      const v = -dx * sin + dy * cos
      const inside = shapeContains(scene.shape, u, v)
      const i = (y * size + x) * 3
      // one 32-bit draw gives the noise of all three channels (a byte each)
      const bits = rng.uint32()
      const colour = inside ? fg : background
      const amplitude = inside ? 6 : 14
      for (let c = 0; c < 3; c++) data[i + c] = clampByte((colour[c] as number) + ((((bits >>> (8 * c)) & 255) / 255) * 2 - 1) * amplitude)
    }
  }
  return {width: size, height: size, channels: 3, data, layout}
}

/** A solid (nearly uniform) image: the "blank image" junk of tiny pools. */
export function renderBlank(options: RenderOptions): RgbImage {
  const size = options.size ?? IMAGE_SIZE
  const rng = options.rng
  const fill = [rng.int(256), rng.int(256), rng.int(256)]
  const data = new Uint8Array(size * size * 3)
  for (let i = 0; i < data.length; i++) data[i] = clampByte((fill[i % 3] as number) + rng.range(-2, 2))
  return {width: size, height: size, channels: 3, data}
}

/** Fills a caption template (see CAPTION_TEMPLATES) with a scene and one of its position phrases. */
export function fillCaption(template: string, scene: Scene, positionPhrase: string = POSITION_PHRASES[scene.position][0] as string): string {
  return template
    .replace('{a}', articleFor(scene.colour))
    .replace('{colour}', scene.colour)
    .replace('{shape}', scene.shape)
    .replace('{position}', positionPhrase)
}

/** A natural caption for the scene: a random template and a random way of saying the position. */
export function captionFor(scene: Scene, rng: Rng): string {
  return fillCaption(rng.pick(CAPTION_TEMPLATES), scene, rng.pick(POSITION_PHRASES[scene.position]))
}

/** The canonical description, e.g. "a red circle on the left" (first template, first phrase). */
export function describeScene(scene: Scene): string {
  return fillCaption(CAPTION_TEMPLATES[0], scene)
}

/**
 * The scene a caption describes, when it names exactly one shape, one colour and one position
 * phrase; undefined for any other text (non-descriptive captions, ambiguous text).
 */
export function parseCaption(caption: string): Scene | undefined {
  const words = caption.toLowerCase().split(/[^a-z]+/)
  const shapes = SHAPES.filter((s) => words.includes(s))
  const colours = COLOURS.filter((c) => words.includes(c))
  const text = ` ${words.join(' ')} `
  const positions = POSITIONS.filter((p) => POSITION_PHRASES[p].some((phrase) => text.includes(` ${phrase} `)))
  if (shapes.length !== 1 || colours.length !== 1 || positions.length !== 1) return undefined
  return {shape: shapes[0] as Shape, colour: colours[0] as Colour, position: positions[0] as Position}
}

/** Encodes an RGB image as a baseline JPEG (what img2dataset stores; `encode_format="jpg"`). */
export async function encodeJpeg(image: RgbImage, options: {quality?: number} = {}): Promise<Buffer> {
  return sharp(image.data, {raw: {width: image.width, height: image.height, channels: image.channels}})
    .jpeg({quality: options.quality ?? 90})
    .toBuffer()
}

/** Decodes any image sharp reads (jpg, png, webp…) to 8-bit RGB. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const {data, info} = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({resolveWithObject: true})
  return {width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length)}
}

function greyBackground(rng: Rng): [number, number, number] {
  const grey = rng.range(95, 165)
  return [grey + rng.range(-12, 12), grey + rng.range(-12, 12), grey + rng.range(-12, 12)]
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value)
}
