import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'

interface QuickstartJson {
  executor: string
  rows: {benchmark: string; filter: string; headline: number; headline_name: string; subset_size: number; entry: string}[]
  site: {dir: string; html: string; markdown: string}
  seconds: Record<string, number>
}

const root = mkdtempSync(join(tmpdir(), 'dcbench-quickstart-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

// The CI smoke run of issue 8: the whole path (synth → filter → validate → reshard → train in the CPU
// image → eval → sign → board → publish) for both benchmarks, with the none and oracle baselines.
describe('bench quickstart --fast (the built CLI, the real Docker engine)', () => {
  const out = join(root, 'qs')
  let result: QuickstartJson

  it('trains, evaluates, signs and publishes both benchmarks; on both the oracle beats no filtering by a wide margin', async () => {
    const run = await runBenchJson<QuickstartJson>(['quickstart', '--fast', '--out', out], {timeout: 1_500_000})
    expect(run.exitCode, run.stderr).toBe(0)
    result = run.json
    expect(result.executor).toBe('docker')
    expect(result.rows.map((r) => `${r.benchmark}/${r.filter}`).sort()).toEqual(['datacomp/none', 'datacomp/oracle', 'dclm/none', 'dclm/oracle'])
    const score = (benchmark: string, filter: string): number => result.rows.find((r) => r.benchmark === benchmark && r.filter === filter)!.headline
    // Training is deterministic, so these are fixed numbers on a given torch build; the margins asked
    // for are a fraction of the measured ones (issue 8 note), so a different CPU's float rounding
    // should not flip them: DataComp Average 0.31 none vs 0.79 oracle, DCLM Core 0.18 vs 0.88.
    expect(score('datacomp', 'oracle')).toBeGreaterThan(score('datacomp', 'none') + 0.1)
    expect(score('dclm', 'oracle')).toBeGreaterThan(score('dclm', 'none') + 0.2)
    const html = readFileSync(result.site.html, 'utf8')
    expect(html).toContain('datacomp')
    expect(html).toContain('dclm')
    expect(readFileSync(result.site.markdown, 'utf8')).toMatch(/oracle/)
  }, 1_600_000)

  it('signed entries that anyone can verify against the run and the board keyring', async () => {
    for (const row of result.rows) {
      const run = join(out, row.benchmark, 'runs', row.filter)
      const verified = await runBench(['verify', row.entry, '--keyring', join(out, 'board', 'keyring'), '--run', run])
      expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0)
    }
  }, 120_000)

  // Issue 6, item 7: the tiny suite rewards the world's facts, not fluency in its words. A GPT trained on
  // everything in the quickstart's pool except the clean documents (word salad, boilerplate, spam and
  // false facts) must not beat chance; it learns the rumours, so it lands below (Core ≈ -0.07).
  it('a GPT trained on the pool junk alone does not beat chance on the tiny suite', async () => {
    const dir = join(root, 'junk')
    mkdirSync(dir)
    const filter = join(root, 'junk-only.mts')
    writeFileSync(filter, "export default {name: 'junk-only', benchmarks: ['dclm'], decide: (record) => record.metadata.quality !== 'clean'}\n")
    const pool = join(out, 'dclm', 'pool')
    const steps: string[][] = [
      ['filter', '--benchmark', 'dclm', '--filter', filter, '--pool', pool, '--out', join(dir, 'junk.npy')],
      ['reshard', '--benchmark', 'dclm', '--scale', 'tiny', '--subset', join(dir, 'junk.npy'), '--pool', pool, '--out', join(dir, 'data')],
      ['train', '--benchmark', 'dclm', '--scale', 'tiny', '--data', join(dir, 'data'), '--out', join(dir, 'run')],
    ]
    for (const args of steps) {
      const step = await runBench(args, {timeout: 600_000})
      expect(step.exitCode, `${args[0]}: ${step.stderr}`).toBe(0)
    }
    const evaluated = await runBenchJson<{headline: {value: number}}>(['eval', '--benchmark', 'dclm', '--scale', 'tiny', '--model', join(dir, 'run', 'model'), '--out', join(dir, 'eval')])
    expect(evaluated.exitCode, evaluated.stderr).toBe(0)
    expect(evaluated.json.headline.value).toBeLessThan(0.05)
    expect(result.rows.find((r) => r.benchmark === 'dclm' && r.filter === 'oracle')!.headline).toBeGreaterThan(0.5)
  }, 900_000)

  it('a second run resumes: nothing is trained again and the board keeps one entry per run', async () => {
    const again = await runBenchJson<QuickstartJson>(['quickstart', '--fast', '--out', out], {timeout: 600_000})
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.json.rows.map((r) => r.headline)).toEqual(result.rows.map((r) => r.headline))
    const board = readFileSync(join(out, 'board', 'entries.jsonl'), 'utf8').trim().split('\n')
    expect(board).toHaveLength(4)
  }, 700_000)
})

describe('bench quickstart without a way to train', () => {
  it('says in one line how to get Docker', async () => {
    const result = await runBench(['quickstart', '--executor', 'docker', '--out', join(root, 'nodocker')], {env: {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}})
    expect(result.exitCode).toBe(3)
    expect(result.stderr.trim().split('\n').filter((line) => !line.startsWith('  hint: '))).toHaveLength(1)
    expect(result.stderr.trim().split('\n')[0]).toMatch(/^error \[DCB_NO_DOCKER\]: the Docker engine does not answer at unix:\/\/\/nonexistent\/docker\.sock \(/)
    expect(result.stderr).toContain('hint: install docker.io and start dockerd')
    expect(existsSync(join(root, 'nodocker'))).toBe(false)
  }, 60_000)
})
