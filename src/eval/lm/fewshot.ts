import {PythonIntSet} from './python-int-set.js'
import type {PythonRandom} from './python-random.js'

/**
 * llm-foundry 0.9.0 `get_fewshot_sample_idxs` (llmfoundry/eval/datasets/utils.py, read at the tag):
 * `min(n − 1, k)` distinct indices from `rng.sample(range(n), k)`; if the example itself was drawn it
 * is replaced by `rng.choice` draws until a new index comes up. The indices come back in the order
 * the Python `set` holding them iterates — the order the few-shot examples appear in the prompt.
 * The caller owns `rng`: llm-foundry uses one generator per dataset, advanced example by example.
 */
export function fewshotSampleIndices(datasetSize: number, numFewshot: number, exampleIndex: number, rng: PythonRandom): number[] {
  const k = Math.min(datasetSize - 1, numFewshot)
  const indices = new PythonIntSet(rng.sampleRange(datasetSize, k))
  if (indices.has(exampleIndex)) {
    indices.remove(exampleIndex)
    if (indices.size >= datasetSize - 1) return [...indices]
    let replacement = rng.choiceBelow(datasetSize)
    while (indices.has(replacement) || replacement === exampleIndex) replacement = rng.choiceBelow(datasetSize)
    indices.add(replacement)
  }
  return [...indices]
}
