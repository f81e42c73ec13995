import {aggregateDataComp, type DataCompAggregation} from './aggregate.js'
import {readResultsFile} from './results-file.js'

export interface AggregateDataCompFileOptions {
  /** A DataComp `eval_results.jsonl`. */
  file: string
  /** Accept fewer than the 38 main-metric tasks. */
  partial?: boolean
}

/** `bench eval aggregate FILE --benchmark datacomp`: read, validate, aggregate (spec §4.4). */
export async function aggregateDataCompFile(options: AggregateDataCompFileOptions): Promise<DataCompAggregation & {file: string}> {
  const rows = await readResultsFile(options.file)
  return {file: options.file, ...aggregateDataComp(rows, {partial: options.partial, source: options.file})}
}
