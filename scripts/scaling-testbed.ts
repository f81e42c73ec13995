/**
 * Rows files from the public testbed of Gadre et al. (mlfoundations/scaling, `exp_data/`), for
 * checking `bench predict fit` against the notebook's printed relative errors (spec dclm.md §9.3).
 * Nothing of the testbed is committed: point this at a checkout.
 *
 *   npx tsx scripts/scaling-testbed.ts CHECKOUT OUTDIR [--dataset rpj] [--downstream avg_subset]
 *
 * Writes OUTDIR/loss-runs.csv (fit_ds's 5 loss rows: 0.011B, 0.079B, 0.154B, 0.411B at M = 20 and
 * 0.011B at M = 320), OUTDIR/error-runs.csv (those plus 1.4B at M = 20) and OUTDIR/targets.csv (1.4B at
 * M = 640, 6.9B at M = 20), each with `c4_val` loss and the average top-1 error over the 46 tasks
 * (`avg`) or the 17 (`avg_subset`), as scaling/shared.py::parse_model_json computes them.
 */
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {loadLmSuite} from '../src/eval/lm/suite.js'

const [checkout, outDir, ...rest] = process.argv.slice(2)
if (!checkout || !outDir) throw new Error('usage: scaling-testbed.ts CHECKOUT OUTDIR [--dataset rpj] [--downstream avg_subset]')
const option = (name: string, fallback: string): string => {
  const i = rest.indexOf(name)
  return i >= 0 && rest[i + 1] ? rest[i + 1]! : fallback
}
const dataset = option('--dataset', 'rpj')
const downstream = option('--downstream', 'avg_subset')
const sets = loadLmSuite('dclm-53').errorTaskSets
// the testbed keys MMLU 5-shot as `mmlu`; dcbench's suite (and DCLM) as mmlu_fewshot
const tasks = (downstream === 'avg' ? sets.gadre46! : sets.gadre17!).map((t) => (t === 'mmlu_fewshot' ? 'mmlu' : t))

interface Run {model: string; mult: number; params: number; tokens: number; loss: number; error: number}
const runs: Run[] = []
for (const file of readdirSync(join(checkout, 'exp_data/models'))) {
  const data = JSON.parse(readFileSync(join(checkout, 'exp_data/models', file), 'utf8'))
  if (data.dataset_name !== dataset) continue
  const loss = data.results.find((r: {val_data: string[]}) => r.val_data[0]!.split('/').at(-2) === 'c4_val')?.loss
  const evalFile = join(checkout, 'exp_data/evals', `evaluation_${file.replace(/\.json$/, '')}_heavy.json`)
  const icl = JSON.parse(readFileSync(evalFile, 'utf8')).eval_metrics.icl as Record<string, number>
  let sum = 0
  for (const t of tasks) sum += 1 - icl[t]!
  const model = String(data.hyperparameters.model).split('/').at(-1)!.replace(/\.json$/, '')
  runs.push({model, mult: data.hyperparameters.chinchilla_multiplier * 20, params: data.hyperparameters.params, tokens: data.hyperparameters.tokens, loss, error: sum / tasks.length})
}
const pick = (model: string, mult: number): Run => {
  const run = runs.find((r) => r.model === model && r.mult === mult)
  if (!run) throw new Error(`no ${dataset} run ${model} at M=${mult}`)
  return run
}
const small = ['d=96_l=8_h=4', 'd=512_l=8_h=4', 'd=576_l=24_h=8', 'd=1024_l=24_h=8'].map((m) => pick(m, 20))
const lossRuns = [...small, pick('d=96_l=8_h=4', 320)]
const errorRuns = [...lossRuns, pick('open_lm_1b', 20)]
const targets = [pick('open_lm_1b', 640), pick('open_lm_7b', 20)]
const csv = (rows: Run[]): string => `name,params,tokens,loss,error\n${rows.map((r) => `${r.model}-M${r.mult},${r.params},${r.tokens},${r.loss},${r.error}`).join('\n')}\n`
mkdirSync(outDir, {recursive: true})
writeFileSync(join(outDir, 'loss-runs.csv'), csv(lossRuns))
writeFileSync(join(outDir, 'error-runs.csv'), csv(errorRuns))
writeFileSync(join(outDir, 'targets.csv'), csv(targets))
console.log(`${dataset}, ${downstream}: wrote ${outDir}/loss-runs.csv (${lossRuns.length}), error-runs.csv (${errorRuns.length}), targets.csv (${targets.length})`)
