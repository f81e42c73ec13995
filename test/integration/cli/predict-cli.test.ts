import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {errorAt, lossAt} from '../../../src/predict/laws.js'
import {createRng} from '../../../src/util/rng.js'
import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {runPython} from '../../helpers/python.js'
import {useTempDir} from '../../helpers/tmp.js'

// Synthetic rows from known parameters (never the testbed): the built CLI fits, predicts and plots
// them, and scipy's curve_fit run the reference way on the same rows gives the same parameters.
const LOSS = {alpha: 170, beta: 360, b: -0.27, E: 1.85}
const ERROR = {k: 2.2, gamma: 0.7, epsilon: 0.86}
const tempDir = useTempDir('dcbench-predict-')

function rowsCsv(noise: number): string {
  const rng = createRng('predict-cli')
  const lines = ['name,params,tokens,loss,error']
  for (const n of [1e7, 3e7, 1e8, 3e8]) {
    for (const m of [20, 320]) {
      const loss = lossAt(LOSS, n, m)
      const j = (): number => 1 + noise * (2 * rng.next() - 1)
      lines.push(`n${n}-m${m},${n},${n * m},${loss * j()},${errorAt(ERROR, loss) * j()}`)
    }
  }
  return `${lines.join('\n')}\n`
}

describe('bench predict', () => {
  it('fits rows, predicts a larger scale, prints the grid and plots the fit', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'rows.csv'), rowsCsv(0))
    const fit = await runBenchJson<{loss_law: {params: Record<string, number>}; out: string}>(['predict', 'fit', '--runs', join(dir, 'rows.csv'), '--out', join(dir, 'law.json')])
    expect(fit.exitCode).toBe(0)
    for (const [key, value] of Object.entries(LOSS)) expect(Math.abs(fit.json.loss_law.params[key]! - value) / Math.abs(value)).toBeLessThan(1e-6)
    const law = JSON.parse(readFileSync(join(dir, 'law.json'), 'utf8'))
    expect(law.format).toBe('dcbench.scaling-law/1')
    expect(law.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/)

    const point = await runBenchJson<{loss: number; error: number; loss_uncertainty: number}>(['predict', '--law', join(dir, 'law.json'), '--params', '6.9e9', '--tokens', '1.38e11'])
    expect(point.exitCode).toBe(0)
    const truth = lossAt(LOSS, 6.9e9, 1.38e11 / 6.9e9)
    expect(Math.abs(point.json.loss - truth) / truth).toBeLessThan(1e-6)
    expect(Math.abs(point.json.error - errorAt(ERROR, truth)) / errorAt(ERROR, truth)).toBeLessThan(1e-6)
    expect(point.json.loss_uncertainty).toBeLessThan(1e-6)

    const grid = await runBenchJson<{grid: {benchmark: string; name: string; params: number; tokens: number}[]}>(['predict', '--law', join(dir, 'law.json'), '--grid'])
    expect(grid.json.grid.find((g) => g.name === '7b-1x')).toMatchObject({params: 6889410560, tokens: 137788211200})
    expect(grid.json.grid.map((g) => g.name)).not.toContain('tiny')

    const human = await runBench(['predict', '--law', join(dir, 'law.json'), '--params', '6.9e9', '--tokens', '1.38e11', '--plot', join(dir, 'fit.svg')])
    expect(human.stdout).toMatch(/loss {2}\d\.\d{4} ± \d\.\d{4}/)
    expect(readFileSync(join(dir, 'fit.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*M = 320[\s\S]*<\/svg>\n$/)
    const png = await runBench(['predict', '--law', join(dir, 'law.json'), '--plot', join(dir, 'fit.png')])
    expect(png.exitCode).toBe(0)
    expect(readFileSync(join(dir, 'fit.png')).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  })

  it("reproduces scipy's curve_fit run the reference way on noisy rows", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'rows.csv'), rowsCsv(0.02))
    const reference = JSON.parse(await runPython(join(repoRoot, 'test/fixtures/python/scaling_fit_reference.py'), [join(dir, 'rows.csv')])) as {loss: number[]; error: number[]}
    const fit = await runBenchJson<{loss_law: {params: Record<string, number>}; error_law: {params: Record<string, number>}}>(['predict', 'fit', '--runs', join(dir, 'rows.csv'), '--out', join(dir, 'law.json')])
    const ours = [...Object.values(fit.json.loss_law.params), ...Object.values(fit.json.error_law.params)]
    const theirs = [...reference.loss, ...reference.error]
    // both stop at MINPACK's xtol (1.49e-8 relative), so agreement is to about 1e-6, not to the bit
    ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!) / Math.abs(theirs[i]!)).toBeLessThan(1e-6))
  })

  it('gives one-line errors with their exit codes', async () => {
    const dir = tempDir()
    const law = join(dir, 'law.json')
    const fail = async (rows: string, ext = 'csv'): Promise<{exitCode: number; error: {code: string; message: string}}> => {
      writeFileSync(join(dir, `rows.${ext}`), rows)
      const r = await runBenchJson<{error: {code: string; message: string}}>(['predict', 'fit', '--runs', join(dir, `rows.${ext}`), '--out', law])
      return {exitCode: r.exitCode, error: r.json.error}
    }
    expect(await fail('params,tokens,loss\n1e7,2e8,5\n3e7,6e8,4.5\n1e8,2e9,4\n')).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_TOO_FEW'}})
    expect(await fail('params,tokens,loss\n-1e7,2e8,5\n')).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_VALUE'}})
    expect(await fail('[{"params":1e7,"tokens":2e8,"loss":1e999}]', 'json')).toMatchObject({exitCode: 2, error: {code: 'DCB_PREDICT_VALUE'}})
    expect(await fail('params,tokens,loss\n1e7,2e8,1e308\n3e7,1.2e9,-1e308\n1e8,6e9,1e308\n3e8,2.4e10,-1e308\n')).toMatchObject({exitCode: 1, error: {code: 'DCB_FIT_NOT_CONVERGED'}})
    const human = await runBench(['predict', 'fit', '--runs', join(dir, 'rows.csv'), '--out', law])
    expect(human.stderr.trim().split('\n')[0]).toMatch(/^error \[DCB_FIT_NOT_CONVERGED\]: loss law: none of the 128 starts converged/)

    const missing = await runBenchJson<{error: {code: string}}>(['predict', '--law', join(dir, 'none.json'), '--grid'])
    expect(missing).toMatchObject({exitCode: 2, json: {error: {code: 'DCB_LAW_FILE'}}})
    writeFileSync(law, '{"format":"dcbench.scaling-law/1"}')
    expect(await runBenchJson(['predict', '--law', law, '--grid'])).toMatchObject({exitCode: 2, json: {error: {code: 'DCB_LAW_FILE'}}})
    expect(await runBenchJson(['predict', '--law', law])).toMatchObject({exitCode: 2, json: {error: {code: 'DCB_USAGE'}}})
  })
})
