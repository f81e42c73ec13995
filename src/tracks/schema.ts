import {z} from 'zod'

/** Number fields recipes are made of (every benchmark's recipe schema uses them). */
export const recipeNumber = {
  count: z.number().int().positive(),
  nonNegativeInt: z.number().int().nonnegative(),
  positive: z.number().positive(),
  fraction: z.number().min(0).max(1),
}

/** official: a competition scale; unofficial: dcbench's own or a debug scale; deprecated: kept to compare old results. */
export const ScaleStatus = z.enum(['official', 'unofficial', 'deprecated'])
export type ScaleStatus = z.infer<typeof ScaleStatus>

/** One scale entry of a tracks file, before `common` is merged into `recipe`. */
const ScaleEntry = z.strictObject({
  status: ScaleStatus,
  /** Descriptive, not part of the frozen recipe or its hash. */
  info: z.record(z.string(), z.unknown()).default({}),
  recipe: z.record(z.string(), z.unknown()),
})

/** A whole tracks/<benchmark>.yaml file. */
export const TracksFile = z.strictObject({
  /** The benchmark's id (src/benchmarks/): its adapter's recipe schema checks every scale. */
  benchmark: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** Where the numbers come from. */
  source: z.string(),
  /** Track name → one-line description. */
  tracks: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.string()).refine((t) => Object.keys(t).length > 0, 'at least one track'),
  /** Settings shared by every scale, merged under each scale's recipe. */
  common: z.record(z.string(), z.unknown()).default({}),
  /** Holds YAML anchors; never read. */
  anchors: z.unknown().optional(),
  scales: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), ScaleEntry),
})
export type TracksFile = z.infer<typeof TracksFile>
