import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {loadLmSuite} from '../../../src/eval/lm/suite.js'
import {errorAt, lossAt} from '../../../src/predict/laws.js'
import {getRecipe} from '../../../src/tracks/index.js'
import {runBenchJson} from '../../helpers/cli.js'
import {hex} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

// `bench predict fit --from`: run folders (run.json of each official DCLM scale) with their DCLM eval
// JSONs — made by code, nothing trained — whose held-out losses and accuracies follow known laws.
const LOSS = {alpha: 170, beta: 360, b: -0.27, E: 1.85}
const ERROR = {k: 2.2, gamma: 0.7, epsilon: 0.86}
const SCALES = ['400m-1x', '1b-1x', '1b-5x', '3b-1x', '7b-1x', '7b-2x']
const tempDir = useTempDir('dcbench-predict-from-')

function writeRun(dir: string, scale: string, options: {status?: string; perplexity?: boolean; evalDir?: string} = {}): string {
  const recipe = getRecipe({benchmark: 'dclm', scale}) as unknown as {hash: string; recipe: {params: number}; derived: {tokens: number}}
  const run = join(dir, scale)
  mkdirSync(join(run, options.evalDir ?? ''), {recursive: true})
  writeFileSync(join(run, 'run.json'), JSON.stringify({
    format: 'dcbench.run/1', benchmark: 'dclm', scale, track: 'filtering', recipe_hash: recipe.hash, subset_fingerprint: hex(scale), subset_size: 1000,
    pool_index_sha256: null, data_dir: '/data', executor: 'docker', image_digest: null, image: 'x', command: [],
    infra: {gpus_per_node: 8, nodes: 1, per_device_batch_size: 1, grad_accum: 1, global_batch_size: 8}, threads: 1, gpus: 8, memory_bytes: null,
    max_steps: null, started_at: '2025-05-01T10:00:00.000Z', finished_at: '2025-05-01T14:00:00.000Z', exit_status: options.status ?? 'complete',
    attempts: [], steps: null, steps_total: null, final_loss: null, validation: null, harness_version: '0.1.0',
  }))
  const n = recipe.recipe.params
  const loss = lossAt(LOSS, n, recipe.derived.tokens / n)
  // every task at 1 − the law's error: the mean error over any set is the law's
  const icl = Object.fromEntries(loadLmSuite('dclm-53').tasks.map((t) => [t.label, 1 - errorAt(ERROR, loss)]))
  writeFileSync(join(run, options.evalDir ?? '', 'evaluation_model_heavy.json'), JSON.stringify({name: 'eval/heavy', eval_metrics: {icl, ...(options.perplexity === false ? {} : {perplexity: loss})}}))
  return run
}

describe('bench predict fit --from', () => {
  it('takes N and D from the recipes, the loss from the held-out step and the error over the task set', async () => {
    const dir = tempDir()
    const runs = SCALES.map((s, i) => writeRun(dir, s, {evalDir: i % 2 === 0 ? '' : 'eval'}))
    const fit = await runBenchJson<{loss_law: {params: Record<string, number>; rows: {name: string; params: number; tokens: number; multiplier: number}[]}; error_law: {tasks: string; params: Record<string, number>}; sources: {role: string}[]}>(
      ['predict', 'fit', '--from', ...runs, '--tasks', 'gadre17', '--out', join(dir, 'law.json')],
    )
    expect(fit.exitCode, fit.stderr).toBe(0)
    expect(fit.json.loss_law.rows.map((r) => [r.params, r.multiplier])).toEqual([[411616256, 20], [1439795200, 20], [1439795200, 100], [2795932160, 20], [6889410560, 20], [6889410560, 40]])
    for (const [key, value] of Object.entries(LOSS)) expect(Math.abs(fit.json.loss_law.params[key]! - value) / Math.abs(value)).toBeLessThan(1e-5)
    for (const [key, value] of Object.entries(ERROR)) expect(Math.abs(fit.json.error_law.params[key]! - value) / Math.abs(value)).toBeLessThan(1e-5)
    expect(fit.json.error_law.tasks).toBe('gadre17')
    expect(fit.json.sources).toHaveLength(12)
  })

  it('refuses incomplete runs, evals without the loss step and unknown task sets', async () => {
    const dir = tempDir()
    const good = SCALES.slice(0, 3).map((s) => writeRun(dir, s))
    const fail = async (paths: string[], extra: string[] = []): Promise<{exitCode: number; error: {code: string; message: string}}> => {
      const r = await runBenchJson<{error: {code: string; message: string}}>(['predict', 'fit', '--from', ...paths, ...extra, '--out', join(dir, 'law.json')])
      return {exitCode: r.exitCode, error: r.json.error}
    }
    const running = writeRun(join(dir, 'a'), '3b-1x', {status: 'running'})
    expect(await fail([...good, running])).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_FROM', message: expect.stringMatching(/exit_status 'running'; expected a complete run/)}})
    const noLoss = writeRun(join(dir, 'b'), '3b-1x', {perplexity: false})
    expect(await fail([...good, noLoss])).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_FROM', message: expect.stringMatching(/no held-out loss/)}})
    expect(await fail([...good, writeRun(join(dir, 'c'), '3b-1x')], ['--tasks', 'gadre99'])).toMatchObject({exitCode: 2, error: {code: 'DCB_UNKNOWN_CHOICE'}})
    expect(await fail(good)).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_TOO_FEW'}})
    expect(await fail([join(dir, 'nowhere')])).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_FROM'}})
  })
})
