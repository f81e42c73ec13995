import {NgramKeys} from './ngram-keys.js'
import {NgramTable, packPosting} from './ngram-table.js'
import {createWordList, tokenizeWords, type WordList} from './text-words.js'

/**
 * Builds the eval side of the n-gram check from the example texts of a suite's tasks.
 *
 * - An example of at least `n` words contributes its n-grams; one of `minWords` to `n − 1` words is
 *   matched whole (its one k-gram); a shorter one is not checked and is counted as too short (GPT-3's
 *   study used n between 8 and 13 and never matched fewer than 8 words: shorter spans are common
 *   phrases, not evidence of a leak).
 * - Boilerplate: an n-gram found in more than max(3, fraction × examples) of one task's examples is
 *   template text the data carries (an instruction repeated in every example, "Given two strings,
 *   determine the length of the longest common subsequence."), not part of any one example: it is
 *   dropped for that task and reported with a few samples, so such text never flags a document.
 *   Passages that a few questions share (BoolQ, LSAT) stay.
 */

/** Settings of the text check. */
export interface NgramSettings {
  /** n of the n-grams (13, as lm-evaluation-harness after GPT-3). */
  n: number
  /** Examples with fewer words are not checked. */
  minWords: number
  /** An n-gram in more than this fraction of a task's examples (and more than 3) is boilerplate. */
  boilerplate: number
}

export const DEFAULT_NGRAM_SETTINGS: NgramSettings = {n: 13, minWords: 8, boilerplate: 0.05}

/** Boilerplate n-grams are those in more examples than this, whatever the fraction. */
export const BOILERPLATE_MIN_EXAMPLES = 3

/** One task's example texts, in example order. */
export interface TextTask {
  key: string
  examples: readonly string[]
}

/** What the build found in one task. */
export interface TextTaskIndex {
  key: string
  examples: number
  /** Examples with at least one n-gram in the index. */
  checked: number
  /** Examples shorter than `minWords`. */
  too_short: number
  /** Examples whose every n-gram was boilerplate. */
  only_boilerplate: number
  boilerplate: {
    /** An n-gram in more examples than this was dropped. */
    max_examples: number
    /** Distinct n-grams dropped. */
    ngrams: number
    /** The most frequent ones, as the first example holding each writes it. */
    samples: {text: string; examples: number}[]
  }
}

/** The built eval side: the table, and the span lengths a document scan must look up. */
export interface TextIndex {
  table: NgramTable
  /** Span lengths in words, ascending: `n` and every whole-example length below it. */
  lengths: number[]
  tasks: TextTaskIndex[]
}

const SAMPLES = 5

/** Builds the n-gram index of the tasks (task i's postings carry task index i). */
export function buildTextIndex(tasks: readonly TextTask[], settings: NgramSettings, onTask?: (done: number, total: number) => void): TextIndex {
  const table = new NgramTable()
  const lengths = new Set<number>([settings.n])
  const words = createWordList()
  const keys = new NgramKeys()
  const built = tasks.map((task, t) => {
    const result = indexTask(task, t, settings, table, lengths, words, keys)
    onTask?.(t + 1, tasks.length)
    return result
  })
  return {table, lengths: [...lengths].sort((a, b) => a - b), tasks: built}
}

function indexTask(task: TextTask, t: number, settings: NgramSettings, table: NgramTable, lengths: Set<number>, words: WordList, keys: NgramKeys): TextTaskIndex {
  const counter = new KeyCounter()
  // every example's keys, in order: [k1, k2, example, first word]
  let spans = new Uint32Array(4096 * 4)
  let count = 0
  let tooShort = 0
  for (const [e, text] of task.examples.entries()) {
    tokenizeWords(text, words)
    if (words.count < settings.minWords) {
      tooShort++
      continue
    }
    const length = Math.min(settings.n, words.count)
    lengths.add(length)
    keys.load(words)
    for (let i = 0; i + length <= words.count; i++) {
      keys.key(i, length)
      counter.add(keys.k1, keys.k2, e, i)
      if ((count + 1) * 4 > spans.length) {
        const bigger = new Uint32Array(spans.length * 2)
        bigger.set(spans)
        spans = bigger
      }
      const at = count++ * 4
      spans[at] = keys.k1
      spans[at + 1] = keys.k2
      spans[at + 2] = e
      spans[at + 3] = i
    }
  }
  const maxExamples = Math.max(BOILERPLATE_MIN_EXAMPLES, Math.floor(settings.boilerplate * task.examples.length))
  const kept = new Set<number>()
  const withKeys = new Set<number>()
  for (let s = 0; s < count; s++) {
    const k1 = spans[s * 4]!
    const k2 = spans[s * 4 + 1]!
    const e = spans[s * 4 + 2]!
    withKeys.add(e)
    if (counter.examples(k1, k2) > maxExamples) continue
    table.add(k1, k2, packPosting(t, e))
    kept.add(e)
  }
  const dropped = counter.above(maxExamples)
  const samples = dropped.slice(0, SAMPLES).map(({example, word, examples}) => {
    tokenizeWords(task.examples[example]!, words)
    const last = Math.min(words.count, word + settings.n) - 1
    return {text: task.examples[example]!.slice(words.start[word]!, words.end[last]!), examples}
  })
  return {
    key: task.key,
    examples: task.examples.length,
    checked: kept.size,
    too_short: tooShort,
    only_boilerplate: withKeys.size - kept.size,
    boilerplate: {max_examples: maxExamples, ngrams: dropped.length, samples},
  }
}

/** Per key of one task: in how many distinct examples it occurs, and where first. */
class KeyCounter {
  private slots = new Uint32Array(1024 * 6)
  private mask = 1023
  private size = 0

  add(k1: number, k2: number, example: number, word: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.resize()
    const at = this.find(k1, k2)
    const s = this.slots
    if (s[at + 2] === 0) {
      s[at] = k1
      s[at + 1] = k2
      s[at + 2] = 1
      s[at + 3] = example
      s[at + 4] = example
      s[at + 5] = word
      this.size++
    } else if (s[at + 3] !== example) {
      s[at + 2]!++
      s[at + 3] = example
    }
  }

  examples(k1: number, k2: number): number {
    return this.slots[this.find(k1, k2) + 2]!
  }

  /** Keys in more than `max` examples, most frequent first (ties: earliest example first). */
  above(max: number): {example: number; word: number; examples: number}[] {
    const out: {example: number; word: number; examples: number}[] = []
    for (let at = 0; at < this.slots.length; at += 6) {
      const n = this.slots[at + 2]!
      if (n > max) out.push({examples: n, example: this.slots[at + 4]!, word: this.slots[at + 5]!})
    }
    return out.sort((a, b) => b.examples - a.examples || a.example - b.example || a.word - b.word)
  }

  private find(k1: number, k2: number): number {
    const s = this.slots
    let i = k1 & this.mask
    while (s[i * 6 + 2] !== 0 && (s[i * 6] !== k1 || s[i * 6 + 1] !== k2)) i = (i + 1) & this.mask
    return i * 6
  }

  private resize(): void {
    const old = this.slots
    this.mask = this.mask * 2 + 1
    this.slots = new Uint32Array((this.mask + 1) * 6)
    for (let at = 0; at < old.length; at += 6) {
      if (old[at + 2] === 0) continue
      this.slots.set(old.subarray(at, at + 6), this.find(old[at]!, old[at + 1]!))
    }
  }
}
