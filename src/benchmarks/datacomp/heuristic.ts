import type {DataFilter, PoolRecord} from '../../filters/filter.js'
import {checkCaption, checkOriginalSize} from './caption-rules.js'
import {isBlank, NearDuplicateIndex} from './image-rules.js'
import type {ImageTextRecord} from './records.js'

/**
 * DataComp's `heuristic` baseline (docs/filters.md): basic_filter's caption and size rules, then
 * blank images and near-duplicates of an image already kept.
 */
export function dataCompHeuristic(benchmark: string): DataFilter<PoolRecord> {
  const duplicates = new NearDuplicateIndex()
  return {
    name: 'heuristic',
    benchmarks: [benchmark],
    decide: async (pooled) => {
      const record = pooled as ImageTextRecord
      if (!checkCaption(record.caption).keep || !checkOriginalSize(record.metadata)) return false
      const image = await record.image()
      if (isBlank(image)) return false
      return !duplicates.seen(image)
    },
  }
}
