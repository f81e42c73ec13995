import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {aggregateAllVersions} from '../../../../src/eval/dclm/aggregate.js'
import {pythonJsonDumps} from '../../../../src/util/python-json.js'
import {dclmAggregationMeta} from '../../../../src/eval/lm/suite.js'
import {runBench, runBenchJson} from '../../../helpers/cli.js'
import {useTempDir} from '../../../helpers/tmp.js'

const meta = dclmAggregationMeta()
const tempDir = useTempDir()

function evalFile(mutate: (data: Record<string, unknown>) => void = () => {}, drop: string[] = []): string {
  const icl = Object.fromEntries(meta.tasks.filter((t) => !drop.includes(t.label)).map((t, i) => [t.label, ((i * 29) % 97) / 100]))
  const data = aggregateAllVersions({name: 'eval/heavy', uuid: 'x', model: 'tiny', eval_metrics: {icl: {...icl, gsm8k: 0.1}}}, meta)
  mutate(data)
  const file = join(tempDir(), 'evaluation_tiny_heavy.json')
  writeFileSync(file, pythonJsonDumps(data, {indent: 4}))
  return file
}

describe('bench eval aggregate --benchmark dclm', () => {
  it('recomputes a consistent file, exits 0 and prints DCLM key names under --json', async () => {
    const {exitCode, json} = await runBenchJson(['eval', 'aggregate', evalFile(), '--benchmark', 'dclm'])
    expect(exitCode).toBe(0)
    for (const key of ['Core_v1', 'Core_v2', 'Extended_v1', 'Extended_v2', 'Core', 'Extended', 'low_variance_datasets_centered', 'aggregated_centered_results', 'aggregated_task_categories_centered', 'rw_small', '95%_CI_above_centered', 'missing tasks', 'eval_version']) {
      expect(json).toHaveProperty([key])
    }
    expect(typeof json.Core_v2).toBe('number')
    expect(json.disagreements).toEqual([])
    expect(json.ignored_tasks).toEqual(['gsm8k'])
  })

  it('prints the aggregates table and an agreement line', async () => {
    const {exitCode, stdout} = await runBench(['eval', 'aggregate', evalFile(), '--benchmark', 'dclm'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/CORE \(v2\)/)
    expect(stdout).toMatch(/all \d+ stored aggregates agree/)
  })

  it('flags a stored aggregate that disagrees and exits 1', async () => {
    const file = evalFile((d) => (d.Core_v2 = (d.Core_v2 as number) + 0.01))
    const {exitCode, stdout} = await runBench(['eval', 'aggregate', file, '--benchmark', 'dclm'])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/1 stored aggregate\(s\) disagree/)
    expect(stdout).toMatch(/Core_v2 \(v2\): stored/)
    const json = await runBenchJson(['eval', 'aggregate', file, '--benchmark', 'dclm'])
    expect(json.exitCode).toBe(1)
    expect((json.json.disagreements as {key: string}[]).map((d) => d.key)).toEqual(['Core_v2'])
  })

  it('writes N/A strings when CORE tasks are missing, and NaN categories as null in --json', async () => {
    const safety = meta.tasks.filter((t) => t.category === 'safety').map((t) => t.label)
    const {exitCode, json} = await runBenchJson(['eval', 'aggregate', evalFile(() => {}, ['squad', ...safety]), '--benchmark', 'dclm'])
    expect(exitCode).toBe(0)
    expect(json.Core_v2).toBe("N/A due to missing tasks: ['squad']")
    expect((json.aggregated_task_categories_centered as Record<string, unknown>).safety).toBeNull()
  })

  it.each([
    ['not JSON', '{"eval_metrics": ', /not JSON/],
    ['no eval_metrics.icl', '{"eval_metrics": {}}', /eval_metrics\.icl: expected an object/],
    ['a non-numeric accuracy', '{"eval_metrics": {"icl": {"copa": "high"}}}', /eval_metrics\.icl\.copa: expected a number, received the string "high"/],
  ])('refuses %s with exit 2 and one line naming the file', async (_what, content, message) => {
    const file = join(tempDir(), 'bad.json')
    writeFileSync(file, content)
    const {exitCode, stderr} = await runBench(['eval', 'aggregate', file, '--benchmark', 'dclm'])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toContain(file)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('says a missing file is missing', async () => {
    const {exitCode, stderr} = await runBench(['eval', 'aggregate', join(tempDir(), 'nope.json'), '--benchmark', 'dclm'])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/nope\.json: cannot read: file not found/)
  })
})
