import {randomBytes} from 'node:crypto'

import {DcbError} from '../errors.js'
import {createRng} from '../util/rng.js'
import type {BoundEntry} from './entry-schema.js'
import type {SuiteScoring} from './suites.js'

export interface TaskDraw {
  /** The seed the tasks were drawn from: 32 random bytes in hex unless one was given. */
  seed: string
  /** The entry the draw is for (it is part of the seed's input). */
  entry_id: string
  /** Drawn task keys, in the suite's order. */
  tasks: string[]
  drawn_at: string
}

/**
 * Draws the tasks an organizer re-evaluates a submitted model on. The draw is made after submission
 * from a fresh random seed, so a participant cannot know which tasks will be checked and tune only
 * those; the seed is returned so the draw can be published and replayed (the same seed and entry
 * give the same tasks).
 */
export function drawTasks(options: {entryId: string; entry: BoundEntry; suite: SuiteScoring; count: number; seed?: string; now?: Date}): TaskDraw {
  const keys = options.suite.tasks.map((task) => task.key).filter((key) => key in options.entry.eval.tasks)
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > keys.length) {
    throw new DcbError('DCB_USAGE', `--count ${options.count}: expected a whole number from 1 to ${keys.length} (the entry's tasks)`)
  }
  const seed = options.seed ?? randomBytes(32).toString('hex')
  const chosen = new Set(createRng(`${seed}/${options.entryId}`).shuffle(keys).slice(0, options.count))
  return {seed, entry_id: options.entryId, tasks: keys.filter((key) => chosen.has(key)), drawn_at: (options.now ?? new Date()).toISOString()}
}
