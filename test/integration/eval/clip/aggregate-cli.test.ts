import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {formatResultLine} from '../../../../src/eval/datacomp/results-file.js'
import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {runBench, runBenchJson} from '../../../helpers/cli.js'
import {useTempDir} from '../../../helpers/tmp.js'

const suite = loadSuite('datacomp-38')

/** 40 lines as evaluate.py writes them; main metric = (index + 1) / 100. */
function resultsText(skip: string[] = []): string {
  return suite.tasks
    .filter((task) => !skip.includes(task.name))
    .map((task, i) => formatResultLine({key: task.key, dataset: task.name, metrics: {main_metric: task.scored ? (i + 1) / 100 : null}}))
    .join('')
}

describe('bench eval aggregate --benchmark datacomp', () => {
  const tmp = useTempDir()

  it('prints the five aggregates and returns them under DataComp key names with --json', async () => {
    const file = join(tmp(), 'eval_results.jsonl')
    writeFileSync(file, resultsText())
    const {exitCode, json} = await runBenchJson<{aggregates: Record<string, number>; scored: number; partial: boolean; suite: {id: string}}>(['eval', 'aggregate', file, '--benchmark', 'datacomp'])
    expect(exitCode).toBe(0)
    expect(Object.keys(json.aggregates)).toEqual(['ImageNet', 'ImageNet dist. shifts', 'VTAB', 'Retrieval', 'Average'])
    expect(json.aggregates.ImageNet).toBe(0.12) // ImageNet 1k is the 12th task
    expect(json.scored).toBe(38)
    expect(json.partial).toBe(false)
    expect(json.suite.id).toBe('datacomp-38')
    const text = await runBench(['eval', 'aggregate', file, '--benchmark', 'datacomp'])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toMatch(/ImageNet dist\. shifts/)
    expect(text.stdout).toMatch(/│ ImageNet\s+│ 0\.1200 │ 1\/1/)
  })

  it('refuses an incomplete file (exit 1) unless --partial', async () => {
    const file = join(tmp(), 'eval_results.jsonl')
    writeFileSync(file, resultsText(['SVHN', 'MSCOCO']))
    const refused = await runBench(['eval', 'aggregate', file, '--benchmark', 'datacomp'])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain(`error [DCB_RESULTS_INCOMPLETE]: ${file}: 36 main-metric tasks, expected exactly 38; missing: SVHN, MSCOCO`)
    expect(refused.stderr).toContain('--partial')
    const partial = await runBench(['eval', 'aggregate', file, '--benchmark', 'datacomp', '--partial'])
    expect(partial.exitCode).toBe(0)
    expect(partial.stdout).toContain('PARTIAL: 2 task(s) missing (SVHN, MSCOCO)')
  })

  it('names the file and line of a malformed file (exit 2) and a missing file', async () => {
    const file = join(tmp(), 'eval_results.jsonl')
    writeFileSync(file, `${resultsText().split('\n').slice(0, 3).join('\n')}\n{"key": oops}\n`)
    const bad = await runBench(['eval', 'aggregate', file, '--benchmark', 'datacomp'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(new RegExp(`error \\[DCB_RESULTS_FILE\\]: ${file}:4: not a JSON line`))
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/)
    const missing = await runBench(['eval', 'aggregate', join(tmp(), 'nope.jsonl'), '--benchmark', 'datacomp'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/nope\.jsonl: file not found/)
  })
})
