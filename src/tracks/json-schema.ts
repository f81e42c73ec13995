import {z} from 'zod'

import {listBenchmarks} from '../benchmarks/registry.js'
import {TracksFile} from './schema.js'

/**
 * JSON Schemas published for editors and other tools, generated from the zod schemas (docs/schemas/):
 * the tracks file, and each registered benchmark's recipe.
 */
export function trackJsonSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {'tracks-file.schema.json': z.toJSONSchema(TracksFile, {io: 'input'})}
  for (const benchmark of listBenchmarks()) schemas[`${benchmark.id}-recipe.schema.json`] = z.toJSONSchema(benchmark.recipe.schema)
  return schemas
}
