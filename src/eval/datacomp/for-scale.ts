import {DcbError} from '../../errors.js'
import {getRecipe} from '../../tracks/index.js'

/** The eval suite a DataComp scale is scored with (its recipe's `eval_suite`). */
export function suiteForScale(scale: string): string {
  const recipe = getRecipe({benchmark: 'datacomp', scale})
  if (recipe.benchmark !== 'datacomp') throw new DcbError('DCB_INTERNAL_RECIPE', `datacomp scale ${scale} has a ${recipe.benchmark} recipe`)
  return recipe.recipe.eval_suite
}
