import {z} from 'zod'

/**
 * An organizer's contamination check of a board entry's data, attached to its board record: the
 * summary of a `bench subset contamination` report, signed by the organizer like an entry is
 * (ed25519 over the canonical JSON of the record without its `signature`, signing.ts). The entry
 * and its own signature are not touched. The published page shows it beside the entry's status.
 */
export const CONTAMINATION_RECORD_FORMAT = 'dcbench.contamination-record/1'

export const ContaminationRecord = z.strictObject({
  format: z.literal(CONTAMINATION_RECORD_FORMAT),
  /** The entry it is about. */
  entry_id: z.string().regex(/^[0-9a-f]{64}$/),
  benchmark: z.string(),
  suite: z.string(),
  /** The subset fingerprint the report checked: the entry's `data.subset_fingerprint`. */
  subset_fingerprint: z.string(),
  /** sha256 of the report file, which the organizers keep. */
  report_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  clean: z.boolean(),
  records_checked: z.number().int().nonnegative(),
  records_flagged: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative(),
  /** Every task and kind of item with something found. */
  found: z.array(z.strictObject({task: z.string(), kind: z.string(), found: z.number().int(), total: z.number().int()})),
  methods: z.array(z.string()),
  settings: z.record(z.string(), z.number()),
  checked_at: z.string(),
  signature: z.strictObject({algorithm: z.literal('ed25519'), key_id: z.string(), value: z.string()}),
})
export type ContaminationRecord = z.infer<typeof ContaminationRecord>
