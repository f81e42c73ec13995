import {join} from 'node:path'

import {writeEvalDataset, npyInt64Vector} from '../../src/eval/clip/write-wds.js'
import {defaultVocabPath} from '../../src/eval/clip/tokenizer.js'
import {runPython} from './python.js'
import {syntheticImage} from './synthetic-images.js'

const fixture = join(import.meta.dirname, '../fixtures/python/tiny_clip_fixture.py')

/** A random-weight CLIP model directory (docs/contracts.md) made by the Python fixture. */
export async function makeFixtureModel(dir: string, seed = 1, imageSize = 32): Promise<string> {
  await runPython(fixture, ['make-model', dir, '--seed', String(seed), '--image-size', String(imageSize), '--vocab', defaultVocabPath()])
  return dir
}

/** A classification set in DataComp layout: `n` images, `classes` classes, optional npy metadata per sample (`tiny`: 8×8 images). */
export async function makeClassificationSet(dir: string, options: {n: number; classes: string[]; templates?: string[]; metadata?: (i: number) => number[]; seed?: number; samplesPerShard?: number; tiny?: boolean}): Promise<void> {
  const seed = options.seed ?? 0
  await writeEvalDataset({
    dir,
    classnames: options.classes,
    templates: options.templates ?? ['a photo of a {c}.', 'a {c}.'],
    samplesPerShard: options.samplesPerShard ?? Math.max(1, Math.ceil(options.n / 2)),
    samples: (async function* () {
      for (let i = 0; i < options.n; i++) {
        const members: Record<string, Uint8Array | string> = {jpg: options.tiny ? await syntheticImage(seed + i, 8, 8) : await syntheticImage(seed + i, 30 + (i % 20), 28 + (i % 11)), cls: String(i % options.classes.length)}
        if (options.metadata) members.npy = npyInt64Vector(options.metadata(i))
        yield {key: `k${String(i).padStart(6, '0')}`, members}
      }
    })(),
  })
}
