import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {formatResultLine, loadSuite} from '../../src/eval/datacomp/index.js'
import {getRecipe} from '../../src/tracks/index.js'
import {hex} from './leaderboard.js'

/**
 * A run folder's run.json with the fields the leaderboard reads (docs/contracts.md), and a DataComp
 * eval_results.jsonl in evaluate.py's exact line format (spec §4.5) — made by code, for tests that do
 * not train. Scores are deterministic in `seed`.
 */
export function writeDataCompRunFixture(dir: string, options: {seed?: number; scale?: string; track?: string} = {}): {run: string; evalFile: string; poolIndex: string} {
  const seed = options.seed ?? 1
  const scale = options.scale ?? 'small'
  const track = options.track ?? 'filtering'
  const run = join(dir, `run-${seed}`)
  mkdirSync(join(run, 'eval'), {recursive: true})
  const poolIndex = join(dir, 'pool.uidx')
  writeFileSync(poolIndex, `fake uid index for ${scale}\n`)
  const recipe = getRecipe({benchmark: 'datacomp', scale, track})
  writeFileSync(
    join(run, 'run.json'),
    `${JSON.stringify(
      {
        format: 'dcbench.run/1',
        benchmark: 'datacomp',
        scale,
        track,
        recipe_hash: recipe.hash,
        subset_fingerprint: hex(`subset ${seed}`),
        subset_size: 1_000_000 + seed,
        pool_index_sha256: null,
        data_dir: '/data',
        executor: 'docker',
        image_digest: `sha256:${hex('image')}`,
        image: 'dcbench/clip-train:2.16.1',
        command: [],
        infra: {gpus_per_node: 8, nodes: 1, per_device_batch_size: 512, grad_accum: 1, global_batch_size: 4096},
        threads: 64,
        gpus: 8,
        memory_bytes: null,
        max_steps: null,
        started_at: '2025-05-01T10:00:00.000Z',
        finished_at: '2025-05-01T14:00:00.000Z',
        exit_status: 'complete',
        attempts: [],
        steps: null,
        steps_total: null,
        final_loss: null,
        validation: null,
        harness_version: '0.1.0',
      },
      null,
      2,
    )}\n`,
  )
  const suite = loadSuite('datacomp-38')
  const lines = suite.tasks.map((task, i) => {
    const main = task.scored ? 0.1 + (((seed * 31 + i * 17) % 80) / 100) * 0.987654321 : null
    return formatResultLine({key: task.key, dataset: task.name, metrics: task.scored ? {[task.main_metric]: main, main_metric: main} : {main_metric: null}})
  })
  const evalFile = join(run, 'eval/eval_results.jsonl')
  writeFileSync(evalFile, lines.join(''))
  return {run, evalFile, poolIndex}
}
