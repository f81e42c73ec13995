import {z} from 'zod'

import {DataCompRecipe, DclmRecipe, TracksFile} from './schema.js'

/** JSON Schemas published for editors and other tools, generated from the zod schemas (docs/schemas/). */
export function trackJsonSchemas(): Record<string, unknown> {
  return {
    'tracks-file.schema.json': z.toJSONSchema(TracksFile, {io: 'input'}),
    'datacomp-recipe.schema.json': z.toJSONSchema(DataCompRecipe),
    'dclm-recipe.schema.json': z.toJSONSchema(DclmRecipe),
  }
}
