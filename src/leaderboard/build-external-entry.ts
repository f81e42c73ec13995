import {hashModelFolder, type ModelFiles} from '../contracts/model-folder.js'
import {readAnyModelJson} from '../contracts/model-json.js'
import {DcbError} from '../errors.js'
import {validateSubset} from '../subset/validate.js'
import {getRecipe} from '../tracks/registry.js'
import {harnessVersion} from '../util/paths.js'
import type {EntryData, EntryExternalModel} from './entry-schema.js'

/** The facts an entry takes from what it reports: a dcbench run, or an exported external model. */
export interface EntrySource {
  /** The file the facts come from (for messages). */
  file: string
  benchmark: string
  scale: string
  track: string
  recipe_hash: string
  harness_version: string
  data: EntryData
  /** The entry's `run` block (the entry schema checks it); null for an external model. */
  run: Record<string, unknown> | null
  external_model?: EntryExternalModel
  /** The model folder's files, checked against what binds them (run.json; for an external model, the folder as it is now). */
  model: ModelFiles
}

/**
 * `bench submit --model DIR`: a model `bench export` wrote from a checkpoint trained outside dcbench.
 * Only such a model (model.json `provenance.source: external`, not a smoke model) is accepted; the
 * entry has `run: null`, an `external_model` block (the checkpoint's sha256, the exporting image) and
 * the folder's files as its `model`; the subset file the participant names gives the data facts
 * (validated against the pool index when one is given).
 */
export async function externalModelFacts(options: {model: string; subset?: string; scale?: string; track?: string; poolIndex?: string; tracksDir?: string}): Promise<EntrySource> {
  const file = `${options.model}/model.json`
  const meta = readAnyModelJson(options.model, {whenMissing: 'not found (--model takes a folder written by bench export)'})
  if (meta.smoke) throw new DcbError('DCB_SUBMIT_SMOKE', `${file}: the model of a smoke run (bench train --smoke), never a leaderboard entry`)
  const provenance = meta.provenance as (typeof meta.provenance & {exported_by?: {image_digest?: unknown}}) | undefined
  if (provenance?.source !== 'external') {
    throw new DcbError('DCB_SUBMIT_MODEL', `${file}: provenance.source is ${JSON.stringify(provenance?.source ?? null)}; --model takes a model bench export wrote from a checkpoint trained elsewhere (submit a dcbench run with --run)`)
  }
  const digest = provenance.exported_by?.image_digest
  if (typeof digest !== 'string') throw new DcbError('DCB_SUBMIT_MODEL', `${file}: provenance.exported_by.image_digest missing; export the checkpoint again with bench export`)
  if (!meta.benchmark) throw new DcbError('DCB_SUBMIT_MODEL', `${file}: no benchmark; export the checkpoint again with bench export`)
  const scale = options.scale ?? meta.scale
  if (!scale) throw new DcbError('DCB_SUBMIT_MODEL', `${file}: no scale; pass --scale (or export with --scale)`)
  if (options.subset === undefined) throw new DcbError('DCB_SUBMIT_MODEL', '--model needs --subset: the subset file the checkpoint was trained on')
  const report = await validateSubset({file: options.subset, benchmark: meta.benchmark, scale, poolIndex: options.poolIndex, tracksDir: options.tracksDir})
  if (!report.valid) throw new DcbError('DCB_ENTRY_INVALID', `subset ${options.subset}: ${report.reasons[0] ?? 'invalid'} (bench subset validate lists every reason)`)
  const recipe = getRecipe({benchmark: meta.benchmark, scale, track: options.track, tracksDir: options.tracksDir})
  return {
    file,
    benchmark: meta.benchmark,
    scale,
    track: options.track ?? 'filtering',
    recipe_hash: recipe.hash,
    harness_version: harnessVersion(),
    data: {subset_fingerprint: report.fingerprint, subset_size: report.samplesPerPass, pool_index_sha256: null},
    run: null,
    external_model: {checkpoint_sha256: provenance.checkpoint_sha256, export_image_digest: digest},
    model: await hashModelFolder(options.model),
  }
}
