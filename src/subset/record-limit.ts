import {DcbError} from '../errors.js'

/**
 * The most records (repeats counted) a subset may hold, from the recipe (issue 17): the scale's
 * budget in records, which training can never exceed — DataComp draws `samples_seen` samples, and a
 * DCLM document adds at least its EOT token to the `tokens` budget. Subset readers check a file's
 * size, each row's repeat count and the running total against it before reading or allocating
 * more, so no file can make them hold or expand more than the budget. A scale's limit comes from
 * scale-limit.ts (this module imports nothing of the registries, so adapter types can name it).
 */
export interface SubsetRecordLimit {
  records: number
  /** What the limit is, for messages: `the datacomp tiny budget (samples_seen 64000)`. */
  source: string
}

/**
 * Throws when `records` is more than the limit. `what` says where and what was counted, after the
 * word "subset": `data.csv, line 2: repeat 1000000000`, `big.npy: 671088632 records (repeats counted)`.
 */
export function checkRecordLimit(limit: SubsetRecordLimit, records: number | bigint, what: string): void {
  if (records <= limit.records) return
  throw new DcbError('DCB_SUBSET_TOO_LARGE', `subset ${what} — more than the ${limit.records} records that ${limit.source} can ever train on`, {
    suggestions: ['lower the repeat counts: training draws no more records than the budget, so a larger subset is never trained on in full', 'or validate against the scale the subset is for (--scale)'],
  })
}
