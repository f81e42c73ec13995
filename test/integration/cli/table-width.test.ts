import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runBench} from '../../helpers/cli.js'

const widest = (text: string): number => Math.max(...text.split('\n').map((line) => line.length))

/** Issue 18: tables fit process.stdout.columns ($COLUMNS in a pipe), `--wide` opts out. */
describe('tables fit the terminal (the built CLI)', () => {
  it('tracks list fits 80 columns and --wide restores the one-line-per-scale table', async () => {
    const fitted = await runBench(['tracks', 'list'], {env: {COLUMNS: '80'}})
    expect(fitted.exitCode).toBe(0)
    expect(widest(fitted.stdout)).toBeLessThanOrEqual(80)
    expect(fitted.stdout).toMatch(/^scale +small$/m)
    const wide = await runBench(['tracks', 'list', '--wide'], {env: {COLUMNS: '80'}})
    expect(wide.exitCode).toBe(0)
    expect(widest(wide.stdout)).toBeGreaterThan(80)
    expect(wide.stdout).toMatch(/│ datacomp +│ small +│/)
  })

  it.each(['datacomp', 'dclm'])('eval fetch --offline (%s) prints its per-task table within 80 columns', async (benchmark) => {
    const data = mkdtempSync(join(tmpdir(), 'dcbench-width-'))
    const result = await runBench(['eval', 'fetch', '--benchmark', benchmark, '--offline', '--data', data], {env: {COLUMNS: '80'}})
    expect(result.exitCode).toBe(1)
    const table = result.stdout.split('\n').filter((line) => !line.startsWith('data: '))
    expect(table.join('\n')).toContain('missing')
    expect(widest(table.join('\n'))).toBeLessThanOrEqual(80)
  })
})
