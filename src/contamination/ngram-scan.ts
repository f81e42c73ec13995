import type {TextIndex} from './ngram-build.js'
import {NgramKeys} from './ngram-keys.js'
import {postingExample, postingTask} from './ngram-table.js'
import {createWordList, tokenizeWords} from './text-words.js'

/** One eval example found in a text: where, and how much of it. */
export interface TextMatch {
  /** Task index (into the index's tasks) and example index within the task. */
  task: number
  example: number
  /** The longest run of overlapping matched spans, as [start, end) offsets into the text. */
  start: number
  end: number
  /** Matched spans (n-grams, or the whole example) of this example in the text. */
  spans: number
}

/**
 * Finds the eval examples a text contains (ngram-build.ts): tokenizes it once, then looks up every
 * span of each length the index holds. Reuses its buffers from text to text; one per thread.
 */
export class TextScanner {
  private readonly words = createWordList()
  private readonly keys = new NgramKeys()
  /** Matches of the current text by posting: [first word, end word, spans, best start, best end]. */
  private readonly found = new Map<number, number[]>()

  constructor(private readonly index: TextIndex) {}

  /** The examples found in `text`, ordered by task and example. */
  scan(text: string): TextMatch[] {
    const {table, lengths} = this.index
    const words = tokenizeWords(text, this.words)
    if (words.count < lengths[0]!) return []
    this.keys.load(words)
    this.found.clear()
    // Spans are visited by start word, so the runs of one example grow left to right.
    for (let i = 0; i + lengths[0]! <= words.count; i++) {
      for (const length of lengths) {
        if (i + length > words.count) break
        this.keys.key(i, length)
        const value = table.lookup(this.keys.k1, this.keys.k2)
        if (value !== 0) table.postings(value, (posting) => this.record(posting, i, i + length))
      }
    }
    if (this.found.size === 0) return []
    const matches: TextMatch[] = []
    for (const [posting, run] of this.found) {
      const [first, end, spans, bestFirst, bestEnd] = run as [number, number, number, number, number]
      const [a, b] = end - first > bestEnd - bestFirst ? [first, end] : [bestFirst, bestEnd]
      matches.push({task: postingTask(posting), example: postingExample(posting), start: words.start[a]!, end: words.end[b - 1]!, spans})
    }
    return matches.sort((x, y) => x.task - y.task || x.example - y.example)
  }

  private record(posting: number, from: number, to: number): void {
    const run = this.found.get(posting)
    if (!run) {
      this.found.set(posting, [from, to, 1, from, to])
      return
    }
    run[2]!++
    if (from <= run[1]!) {
      run[1] = Math.max(run[1]!, to)
      return
    }
    // a new run: keep the longest so far
    if (run[1]! - run[0]! > run[4]! - run[3]!) {
      run[3] = run[0]!
      run[4] = run[1]!
    }
    run[0] = from
    run[1] = to
  }
}
