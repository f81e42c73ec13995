import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {TINY_SUITE_VERSION} from '../../../src/eval/lm/tiny-suite.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {sharedDir} from '../../helpers/shared.js'
import {exportTinyGpt} from '../../helpers/tiny-gpt.js'

// `bench eval --benchmark dclm` end to end with the built CLI and a PyTorch-exported tiny GPT.
let modelDir: string
let dataCache: string
beforeAll(async () => {
  modelDir = await exportTinyGpt({seed: 1})
  dataCache = mkdtempSync(join(tmpdir(), 'dcbench-eval-data-'))
}, 300_000)

interface EvalJson {
  suite: string
  data_source?: {repo: string; commit: string; files_as_recorded: number; files_different: string[]}
  eval_file: string
  tasks: {label: string; accuracy: number; cached: boolean; categories?: Record<string, number>}[]
  missing: {label: string}[]
  headline: {name: string; value: number | string}
  aggregates: Record<string, unknown>
  heldout_loss?: {loss: number; tokens: number; sequences: number; source: string} | null
}

describe('bench eval --benchmark dclm', () => {
  it('scores the tiny suite with no --data (generated on first use), writes DCLM eval JSON, resumes from the per-task cache', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dcbench-eval-out-'))
    const env = {DCBENCH_DATA: dataCache}
    const first = await runBenchJson<EvalJson>(['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', modelDir, '--out', out], {env})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json.suite).toBe('dclm-tiny')
    expect(first.json.tasks.map((t) => t.label)).toEqual(['tiny_fact_completion', 'tiny_fact_choice', 'tiny_who_schema', 'tiny_questions'])
    expect(first.json.tasks.every((t) => !t.cached)).toBe(true)
    expect(Object.keys(first.json.tasks[0]!.categories!)).toHaveLength(8)
    expect(first.json.missing).toEqual([])
    expect(typeof first.json.headline.value).toBe('number')
    const file = JSON.parse(readFileSync(first.json.eval_file, 'utf8')) as Record<string, unknown>
    expect(Object.keys(file).slice(0, 5)).toEqual(['name', 'uuid', 'model', 'creation_date', 'eval_metrics'])
    expect(file.Core).toBe(first.json.headline.value)
    expect(file['missing tasks']).toBe('[]')
    // the held-out loss step (generated tiny-world text) lands where DCLM keeps open_lm's val loss
    const perplexity = (file.eval_metrics as {perplexity?: number}).perplexity
    expect(perplexity).toBeGreaterThan(0)
    expect(first.json.heldout_loss).toMatchObject({loss: perplexity, sequences: 64, source: 'tiny-world:0'})
    expect(existsSync(join(dataCache, `dclm-tiny-v${TINY_SUITE_VERSION}-world0`, 'tiny', 'questions.jsonl'))).toBe(true)

    // second run: everything comes from the cache, same numbers
    const second = await runBenchJson<EvalJson>(['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', modelDir, '--out', out], {env})
    expect(second.json.tasks.every((t) => t.cached)).toBe(true)
    expect(second.json.aggregates.Core_v2).toBe(first.json.aggregates.Core_v2)
    expect(second.json.heldout_loss?.loss).toBe(first.json.heldout_loss?.loss)

    // an interrupted eval (one task's cache lost) reruns just that task
    rmSync(join(out, 'dclm-tasks', 'tiny_who_schema.json'))
    const third = await runBenchJson<EvalJson>(['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', modelDir, '--out', out], {env})
    expect(third.json.tasks.filter((t) => !t.cached).map((t) => t.label)).toEqual(['tiny_who_schema'])
    expect(third.json.aggregates.Core_v2).toBe(first.json.aggregates.Core_v2)
  }, 300_000)

  it('reports absent task files of the 53-task suite and writes the "N/A due to missing tasks" strings', async () => {
    const data = mkdtempSync(join(tmpdir(), 'dcbench-icl-'))
    for (const rel of ['language_understanding/winograd_wsc.jsonl', 'commonsense_reasoning/copa.jsonl']) {
      mkdirSync(join(data, rel, '..'), {recursive: true})
      copyFileSync(join(sharedDir(), 'data', 'icl', rel), join(data, rel))
    }
    const out = mkdtempSync(join(tmpdir(), 'dcbench-eval-out-'))
    // the tiny GPT's tokenizer is not GPT-NeoX, but prompt construction and scoring run all the same
    const result = await runBenchJson<EvalJson>(['eval', '--benchmark', 'dclm', '--scale', '1b-1x', '--model', modelDir, '--data', data, '--out', out, '--tasks', 'winograd,copa,boolq'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.tasks.map((t) => t.label)).toEqual(['copa', 'winograd'])
    expect(result.json.missing.map((m) => m.label)).toEqual(['boolq'])
    expect(String(result.json.headline.value)).toMatch(/^N\/A due to missing tasks: \['hellaswag_zeroshot', 'jeopardy',/)
    // the output records which llm-foundry commit's files these are (DCLM itself reads its unpinned head)
    expect(result.json.data_source).toEqual({repo: 'mosaicml/llm-foundry', commit: '8c8dd48f72168c5d51e2f7b151595892a8fba43d', files_as_recorded: 2, files_different: []})
    // the written file passes DCLM's own aggregate re-check
    const recheck = await runBench(['eval', 'aggregate', result.json.eval_file, '--benchmark', 'dclm'])
    expect(recheck.exitCode, recheck.stdout + recheck.stderr).toBe(0)
    // the plain output says so too (copa and winograd now come from the cache)
    const plain = await runBench(['eval', '--benchmark', 'dclm', '--scale', '1b-1x', '--model', modelDir, '--data', data, '--out', out, '--tasks', 'winograd,copa,boolq'])
    expect(plain.exitCode).toBe(0)
    expect(plain.stderr).toContain(`boolq: MISSING data file ${join(data, 'reading_comprehension/boolq.jsonl')}`)
    expect(plain.stdout).toContain('MISSING: 1 task(s) without data: boolq')
    expect(plain.stdout).toContain('data: mosaicml/llm-foundry@8c8dd48f72168c5d51e2f7b151595892a8fba43d scripts/eval/local_data · 2 file(s) as recorded')
  }, 300_000)

  it('refuses an eval with no task data at all (exit 2, a fetch hint, no eval JSON of N/A)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'dcbench-icl-empty-'))
    const out = mkdtempSync(join(tmpdir(), 'dcbench-eval-out-'))
    const args = ['eval', '--benchmark', 'dclm', '--scale', '1b-1x', '--model', modelDir, '--data', data, '--out', out]
    const plain = await runBench(args)
    expect(plain.exitCode, plain.stderr).toBe(2)
    const lines = plain.stderr.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^error \\[DCB_EVAL_DATA_MISSING\\]: ${data}: no data for any of the 53 task\\(s\\) asked for`))
    expect(lines.slice(1).join('\n')).toContain(`hint: bench eval fetch --benchmark dclm --scale 1b-1x --data ${data} downloads them`)
    expect(plain.stdout).toBe('')
    expect(readdirSync(out).filter((name) => name.startsWith('evaluation_'))).toEqual([])
    const json = await runBenchJson<{error: {code: string; exit_code: number}}>(args)
    expect(json.exitCode).toBe(2)
    expect(json.json.error).toMatchObject({code: 'DCB_EVAL_DATA_MISSING', exit_code: 2})
  })

  it('refuses a folder that is not an LM model directory, naming the file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dcbench-nomodel-'))
    const result = await runBench(['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', empty])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain(`${join(empty, 'model.json')}: file not found`)
  })
})
