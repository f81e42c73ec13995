import {getBenchmark} from '../benchmarks/registry.js'
import {DcbError} from '../errors.js'
import type {InfraPlan, ScaleRecipe} from './recipe.js'

export type {InfraPlan} from './recipe.js'

/** The only settings a run may choose: how the frozen global batch is spread over hardware. */
export const INFRA_FIELDS = ['gpus_per_node', 'nodes', 'per_device_batch_size', 'grad_accum'] as const
export type InfraField = (typeof INFRA_FIELDS)[number]

/** The recipe's global batch (DataComp `batch_size`, DCLM `global_batch_size`, in sequences). */
export function globalBatchSize(recipe: ScaleRecipe): number {
  return getBenchmark(recipe.benchmark).recipe.globalBatchSize(recipe.recipe)
}

function frozenFieldNames(recipe: ScaleRecipe): string[] {
  return [...Object.keys(recipe.recipe), ...Object.keys(recipe.derived)]
}

function positiveInteger(field: string, value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
    throw new DcbError('DCB_INFRA_VALUE', `${field} must be a positive integer, received '${String(value)}'`)
  }
  return number
}

/**
 * Checks per-run overrides and resolves the batch split. Anything but the infrastructure fields is
 * refused with an error naming the field; a split that would change the global batch is refused too.
 */
export function resolveInfra(recipe: ScaleRecipe, overrides: Record<string, unknown> = {}): InfraPlan {
  const frozen = new Set(frozenFieldNames(recipe))
  for (const field of Object.keys(overrides)) {
    if ((INFRA_FIELDS as readonly string[]).includes(field)) continue
    const where = `${recipe.benchmark} ${recipe.scale}`
    if (frozen.has(field)) {
      throw new DcbError(
        'DCB_FROZEN_FIELD',
        `${field} is frozen by the ${where} recipe and cannot be overridden; only ${INFRA_FIELDS.join(', ')} may vary per run`,
      )
    }
    throw new DcbError('DCB_UNKNOWN_OVERRIDE', `unknown override '${field}' for ${where}; only ${INFRA_FIELDS.join(', ')} may vary per run`)
  }

  const global = globalBatchSize(recipe)
  const gpus = overrides.gpus_per_node === undefined ? 1 : positiveInteger('gpus_per_node', overrides.gpus_per_node)
  const nodes = overrides.nodes === undefined ? 1 : positiveInteger('nodes', overrides.nodes)
  const devices = gpus * nodes
  const referenceAccum = getBenchmark(recipe.benchmark).recipe.referenceGradAccum(recipe.recipe)
  let accum = overrides.grad_accum === undefined ? undefined : positiveInteger('grad_accum', overrides.grad_accum)
  let perDevice = overrides.per_device_batch_size === undefined ? undefined : positiveInteger('per_device_batch_size', overrides.per_device_batch_size)

  if (perDevice === undefined) {
    accum ??= referenceAccum
    perDevice = global / (devices * accum)
  } else {
    accum ??= global / (devices * perDevice)
  }
  if (!Number.isInteger(perDevice) || !Number.isInteger(accum) || devices * perDevice * accum !== global) {
    throw new DcbError(
      'DCB_GLOBAL_BATCH',
      `${gpus} GPU(s) × ${nodes} node(s) × per-device batch ${fmt(perDevice)} × grad_accum ${fmt(accum)} does not make the frozen global batch ${global} of ${recipe.benchmark} ${recipe.scale}`,
      {suggestions: ['choose gpus_per_node, nodes, per_device_batch_size and grad_accum whose product is the global batch']},
    )
  }
  return {gpus_per_node: gpus, nodes, per_device_batch_size: perDevice, grad_accum: accum, global_batch_size: global}
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3)
}

/**
 * Parses `key=value` pairs from the command line into an object without a prototype, so that every
 * key — `__proto__` too, which on a plain object would set its prototype and vanish — is an own key
 * that `resolveInfra` checks and refuses. A key given twice is refused rather than the last kept.
 */
export function parseOverridePairs(pairs: readonly string[]): Record<string, string> {
  const result = Object.create(null) as Record<string, string>
  const given = new Map<string, string>()
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new DcbError('DCB_OVERRIDE_SYNTAX', `override '${pair}' is not key=value`)
    const key = pair.slice(0, eq).trim()
    const before = given.get(key)
    if (before !== undefined) throw new DcbError('DCB_OVERRIDE_SYNTAX', `override '${key}' is given twice ('${before}', '${pair}'); give each field once`)
    given.set(key, pair)
    result[key] = pair.slice(eq + 1).trim()
  }
  return result
}
