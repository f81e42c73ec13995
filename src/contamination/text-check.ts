import {cacheKey, readCachedIndex, writeCachedIndex} from './cache.js'
import type {FindingSink} from './findings.js'
import {buildTextIndex, type NgramSettings, type TextIndex, type TextTaskIndex} from './ngram-build.js'
import {TextScanner} from './ngram-scan.js'
import {NgramTable} from './ngram-table.js'
import type {Boilerplate, ContaminationMethod} from './report.js'
import type {ContaminationSettings} from './spec.js'

/** The eval texts of one task, and the sha256 of the data they were read from (the cache key). */
export interface TextEvalTask {
  key: string
  examples: readonly string[]
  /** sha256 of the task's data file(s). */
  source: string
}

export interface PrepareTextCheckOptions {
  tasks: readonly TextEvalTask[]
  settings: ContaminationSettings
  cacheDir: string | undefined
  sink: FindingSink
  /** What an item is called in the report (`examples`, `captions`) and the method that finds it. */
  kind: string
  method: ContaminationMethod
  onProgress?: (done: number, total: number) => void
}

/** A prepared text check: the index built or read from the cache, and the task parts declared. */
export interface TextCheck {
  /** Checks one record's text; returns the number of findings added to the sink. */
  check(record: string, where: string, text: string): Promise<number>
  boilerplate: Record<string, Boilerplate>
  /** Distinct n-grams held, bytes of the table, and whether it came from the cache. */
  index: {ngrams: number; bytes: number; cached: boolean}
}

/** The index format: a change to words, keys or the table bumps it, so old cache files are not read. */
const INDEX_FORMAT = 'dcbench.ngram-index/1'

/**
 * Builds (or reads from the cache) the n-gram index of the tasks' texts, declares each task's part
 * to the sink (with what could not be checked), and returns the check of one record's text.
 */
export async function prepareTextCheck(options: PrepareTextCheckOptions): Promise<TextCheck> {
  const ngram: NgramSettings = {n: options.settings.ngram, minWords: options.settings.minWords, boilerplate: options.settings.boilerplate}
  const key = cacheKey({format: INDEX_FORMAT, settings: ngram, tasks: options.tasks.map((t) => ({key: t.key, source: t.source, examples: t.examples.length}))})
  let index: TextIndex | undefined
  let cached = false
  if (options.cacheDir) {
    const stored = await readCachedIndex(options.cacheDir, key)
    const meta = stored?.meta as {lengths?: number[]; tasks?: TextTaskIndex[]} | undefined
    const table = stored ? NgramTable.decode(stored.parts) : undefined
    if (table && Array.isArray(meta?.lengths) && Array.isArray(meta?.tasks) && meta.tasks.length === options.tasks.length) {
      index = {table, lengths: meta.lengths, tasks: meta.tasks}
      cached = true
    }
  }
  if (!index) {
    index = buildTextIndex(options.tasks, ngram, options.onProgress)
    if (options.cacheDir) await writeCachedIndex(options.cacheDir, key, {lengths: index.lengths, tasks: index.tasks}, index.table.encode())
  }
  const parts = index.tasks.map((t) =>
    options.sink.addPart(t.key, options.kind, t.examples, {too_short: t.too_short, only_boilerplate: t.only_boilerplate}),
  )
  const scanner = new TextScanner(index)
  const boilerplate = Object.fromEntries(index.tasks.filter((t) => t.boilerplate.ngrams > 0).map((t) => [t.key, t.boilerplate]))
  return {
    boilerplate,
    index: {ngrams: index.table.size, bytes: index.table.bytes, cached},
    async check(record, where, text) {
      const matches = scanner.scan(text)
      for (const m of matches) {
        await options.sink.add({record, where, part: parts[m.task]!, example: m.example, method: options.method, text, start: m.start, end: m.end, ngrams: m.spans})
      }
      return matches.length
    },
  }
}
