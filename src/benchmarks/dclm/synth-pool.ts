import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {ProgressListener} from '../../ui/progress.js'
import {createRng, type Rng} from '../../util/rng.js'
import {
  boilerplateDocument,
  buildTextWorld,
  cleanTextDocument,
  falseFactsDocument,
  shuffledWordsDocument,
  spamDocument,
  splitWords,
  type TextDocument,
  type TextQuality,
  type TextWorld,
} from '../../world/index.js'
import {zstdCompress} from '../../pool/compression.js'

/**
 * Tiny DCLM pools: `documents/{00000000..}.jsonl.zst`, one JSON object per line with `url`, `text`
 * and the ground-truth `quality` (dclm spec §1, §3; docs/contracts.md).
 */

/**
 * Share of each quality in a synthetic DCLM pool (sums to 1). Mostly junk, as web crawls are, and as
 * many false-fact documents as clean ones: unfiltered, a model meets each fact and its rumour about
 * equally often; the heuristic drops the content-farm two thirds of the lies; only the oracle all.
 */
export const DCLM_QUALITY_MIX: Readonly<Record<TextQuality, number>> = {
  clean: 0.25,
  shuffled_words: 0.2,
  boilerplate: 0.15,
  spam: 0.15,
  false_facts: 0.25,
}

/**
 * Pool size in words relative to the scale's token budget. Real DCLM pools are far larger than the
 * budget; 4× keeps the tiny pool small while the oracle's subset (the clean quarter) still holds about
 * one pass of the budget.
 */
export const DCLM_POOL_WORDS_PER_TOKEN = 4

/** Documents per JSONL file. */
export const DOCUMENTS_PER_FILE = 5_000

export interface SynthDclmOptions {
  dir: string
  /** Stop once the pool holds this many words (+1 per document for its end-of-text token). */
  targetWords: number
  seed: number
  onProgress?: ProgressListener
}

export interface SynthDclmResult {
  count: number
  /** Words as `splitWords` counts them, plus one per document (its EOT). */
  words: number
  files: string[]
  qualities: Record<TextQuality, number>
  /** The text world the documents describe: `buildTextWorld(worldSeed)`. */
  worldSeed: number
}

const SITES = ['news', 'blog', 'wiki', 'forum', 'shop', 'guide', 'daily', 'notes'] as const

/** Generates the pool into `dir` (documents/). */
export async function synthesizeDclm(options: SynthDclmOptions): Promise<SynthDclmResult> {
  const world = buildTextWorld(options.seed)
  const root = createRng(`pool:dclm:${options.seed}`)
  const kinds = root.fork('qualities')
  const qualities = Object.fromEntries(Object.keys(DCLM_QUALITY_MIX).map((k) => [k, 0])) as Record<TextQuality, number>
  await mkdir(join(options.dir, 'documents'), {recursive: true})
  const files: string[] = []
  let lines: string[] = []
  let words = 0
  let count = 0
  const flush = async (): Promise<void> => {
    const name = join(options.dir, 'documents', `${String(files.length).padStart(8, '0')}.jsonl.zst`)
    await writeFile(name, await zstdCompress(Buffer.from(lines.join(''), 'utf8')))
    files.push(name)
    lines = []
  }
  while (words < options.targetWords) {
    const rng = root.fork(`document-${count}`)
    const doc = generate(drawQuality(kinds), world, rng)
    const site = rng.pick(SITES)
    // the path holds the document number, so identical texts (spam) still get distinct ids
    const url = `https://www.${site}${rng.int(500)}.synthetic.dcbench.invalid/p/${count.toString(36)}`
    lines.push(`${JSON.stringify({url, text: doc.text, quality: doc.quality})}\n`)
    qualities[doc.quality]++
    words += splitWords(doc.text).length + 1
    count++
    if (lines.length === DOCUMENTS_PER_FILE) {
      await flush()
      options.onProgress?.({done: Math.min(words, options.targetWords), total: options.targetWords, detail: `${count} documents`})
    }
  }
  if (lines.length > 0) await flush()
  options.onProgress?.({done: options.targetWords, total: options.targetWords, detail: `${count} documents`})
  return {count, words, files, qualities, worldSeed: options.seed}
}

function generate(quality: TextQuality, world: TextWorld, rng: Rng): TextDocument {
  switch (quality) {
    case 'clean':
      return cleanTextDocument(world, rng)
    case 'shuffled_words':
      return shuffledWordsDocument(world, rng)
    case 'boilerplate':
      return boilerplateDocument(rng)
    case 'spam':
      return spamDocument(rng)
    case 'false_facts':
      return falseFactsDocument(world, rng)
  }
}

function drawQuality(rng: Rng): TextQuality {
  let x = rng.next()
  for (const [quality, share] of Object.entries(DCLM_QUALITY_MIX) as [TextQuality, number][]) {
    if (x < share) return quality
    x -= share
  }
  return 'clean'
}
