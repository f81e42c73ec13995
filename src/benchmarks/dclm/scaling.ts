import {evalFileLoss, readDclmEvalFile} from '../../eval/dclm/eval-file.js'
import {loadLmSuite} from '../../eval/lm/suite.js'
import type {ScalingSpec} from '../benchmark.js'
import type {DclmDerived, DclmRecipe} from './recipe.js'

/**
 * DCLM's side of `bench predict` (Gadre et al., spec dclm.md §9): N is the recipe's `params`
 * (embeddings included, as the testbed's model JSONs), D the derived token budget 20·N·multiplier;
 * the task sets come from the scale's eval suite (gadre17, gadre46, core, all); an eval JSON gives its
 * held-out loss (`eval_metrics.perplexity`, DCLM's key for open_lm's validation loss) and accuracies.
 */
export const dclmScaling: ScalingSpec<DclmRecipe, DclmDerived> = {
  size: (scale) => ({params: scale.recipe.params, tokens: scale.derived.tokens}),
  errorTaskSets: (scale) => loadLmSuite(scale.recipe.eval_suite).errorTaskSets,
  async readEval(file) {
    const record = await readDclmEvalFile(file)
    const icl = (record.eval_metrics as {icl: Record<string, number>}).icl
    return {loss: evalFileLoss(record, file), accuracies: {...icl}}
  },
}
