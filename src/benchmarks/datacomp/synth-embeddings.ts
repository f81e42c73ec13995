import {createWriteStream} from 'node:fs'
import {pipeline} from 'node:stream/promises'

import yazl from 'yazl'

import {npyFloat16Header, toHalf} from '../../pool/npz-write.js'
import {createRng} from '../../util/rng.js'
import type {RgbImage} from '../../world/index.js'

/**
 * Embeddings for the tiny synthetic DataComp pools, in DataComp's released layout (`<stem>.npz`
 * beside the metadata parquet: `b32_img`, `b32_txt` 512-d, `l14_img`, `l14_txt` 768-d, float16,
 * L2-normalised, one row per parquet row; datacomp spec §2.2).
 *
 * The "model" is a small fixed one dcbench ships, not CLIP: an image is average-pooled to 8×8×3,
 * centred and multiplied by a fixed seeded Gaussian matrix; a caption is a hashed bag of lowercase
 * words (256 buckets) through another. Why not a trained tower: the pool must stay a pure function of
 * (scale, seed, count) — deterministic, cached by those inputs, made in seconds before any training —
 * and for the pruning methods what matters is geometry the world already has: near-duplicates land
 * next to their originals, blank images on top of each other, and each concept's images together.
 * It knows nothing of captions matching images (that is what the CLIP-score columns stand in for).
 */

const THUMB = 8
const IMAGE_FEATURES = THUMB * THUMB * 3
const TEXT_BUCKETS = 256

/** The four arrays and their widths, in the order the npz lists them. */
export const SYNTH_EMBEDDING_ARRAYS = [['b32_img', 512], ['b32_txt', 512], ['l14_img', 768], ['l14_txt', 768]] as const

type ArrayName = (typeof SYNTH_EMBEDDING_ARRAYS)[number][0]

/** A fixed projection matrix (`inputs × dim`), seeded by its name: the same on every machine. */
function projection(name: string, inputs: number, dim: number): Float64Array {
  const rng = createRng(`dcbench-synth-embedding:${name}`)
  const m = new Float64Array(inputs * dim)
  // a sum of uniforms is close enough to Gaussian for a random projection, and platform-exact
  for (let i = 0; i < m.length; i++) m[i] = rng.next() + rng.next() + rng.next() - 1.5
  return m
}

function thumbnail(image: RgbImage): Float64Array {
  const out = new Float64Array(IMAGE_FEATURES)
  const cell = image.width / THUMB
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const t = (Math.floor(y / cell) * THUMB + Math.floor(x / cell)) * 3
      for (let c = 0; c < 3; c++) out[t + c]! += (image.data[(y * image.width + x) * 3 + c] as number) / (cell * cell * 255)
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) - 0.5
  return out
}

function bagOfWords(caption: string): Float64Array {
  const out = new Float64Array(TEXT_BUCKETS)
  for (const word of caption.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)) {
    let h = 2_166_136_261
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16_777_619) >>> 0
    out[h % TEXT_BUCKETS]! += 1
  }
  return out
}

/** Accumulates the embeddings of a pool's rows, then writes them as one npz. */
export class SynthEmbeddings {
  private readonly matrices = new Map<ArrayName, Float64Array>()
  private readonly rows = new Map<ArrayName, Uint16Array[]>(SYNTH_EMBEDDING_ARRAYS.map(([name]) => [name, []]))

  constructor() {
    for (const [name, dim] of SYNTH_EMBEDDING_ARRAYS) this.matrices.set(name, projection(name, name.endsWith('img') ? IMAGE_FEATURES : TEXT_BUCKETS, dim))
  }

  add(image: RgbImage, caption: string): void {
    const inputs = {img: thumbnail(image), txt: bagOfWords(caption)}
    for (const [name, dim] of SYNTH_EMBEDDING_ARRAYS) {
      const x = inputs[name.endsWith('img') ? 'img' : 'txt']
      const m = this.matrices.get(name) as Float64Array
      const v = new Float64Array(dim)
      for (let i = 0; i < x.length; i++) {
        const xi = x[i] as number
        if (xi === 0) continue
        for (let d = 0; d < dim; d++) v[d]! += xi * (m[i * dim + d] as number)
      }
      const norm = Math.sqrt(v.reduce((s, e) => s + e * e, 0)) || 1
      this.rows.get(name)!.push(Uint16Array.from(v, (e) => toHalf(e / norm)))
    }
  }

  /** Writes `file` (np.savez layout, members stored, fixed timestamps: byte-for-byte reproducible). */
  async write(file: string): Promise<void> {
    const zip = new yazl.ZipFile()
    for (const [name, dim] of SYNTH_EMBEDDING_ARRAYS) {
      const rows = this.rows.get(name)!
      const header = npyFloat16Header(rows.length, dim)
      const data = Buffer.concat(rows.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength)))
      zip.addBuffer(Buffer.concat([header, data]), `${name}.npy`, {compress: false, mtime: new Date('2023-04-01T00:00:00Z'), mode: 0o100644})
    }
    zip.end()
    await pipeline(zip.outputStream, createWriteStream(file))
  }
}
