/** How many passes over a subset a scale's budget makes (`bench subset validate` reports them). */

/** What the epochs implied by the scale's budget are. */
export interface EpochReport {
  /** The recipe's budget that the passes are counted in (DataComp `samples_seen`, DCLM `tokens`). */
  budgetKind: string
  budget: number
  /** Passes over the subset the budget implies; null when it cannot be known from the file. */
  epochs: number | null
  /** true when `epochs` rests on an assumption (DCLM: the pool's mean document length). */
  estimated: boolean
  note?: string
}

/** Past this many passes over a subset, the repetition paper finds repeated data losing value. */
export const MAX_USEFUL_EPOCHS = 10
