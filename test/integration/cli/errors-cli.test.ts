import {describe, expect, it} from 'vitest'

import {ERRORS} from '../../../src/errors.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'

describe('bench errors (the built CLI)', () => {
  it('lists every code of the catalogue, fitted to the terminal width', async () => {
    const result = await runBench(['errors'], {env: {COLUMNS: '80'}})
    expect(result.exitCode).toBe(0)
    for (const code of Object.keys(ERRORS)) expect(result.stdout).toContain(code)
    expect(result.stdout).toMatch(/│ DCB_POOL_INPUT +│ 2 +│/)
    expect(Math.max(...result.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80)
  })

  it('--json lists every code with its exit code, meaning and fix', async () => {
    const {exitCode, json} = await runBenchJson<{errors: {code: string; exit_code: number; meaning: string; fix: string}[]}>(['errors'])
    expect(exitCode).toBe(0)
    expect(json.errors.map((e) => e.code)).toEqual(Object.keys(ERRORS))
    expect(json.errors.find((e) => e.code === 'DCB_TRAIN_OOM')).toMatchObject({exit_code: 3, fix: expect.stringContaining('--memory')})
  })

  it('shows one code, in any case and without its prefix', async () => {
    const text = await runBench(['errors', 'DCB_SUBSET_INVALID'])
    expect(text.exitCode).toBe(0)
    expect(text.stdout.split('\n')[0]).toBe('DCB_SUBSET_INVALID: exit 1 (a check failed)')
    expect(text.stdout).toContain(`  meaning: ${ERRORS.DCB_SUBSET_INVALID.meaning}\n`)
    expect(text.stdout).toContain(`  fix:     ${ERRORS.DCB_SUBSET_INVALID.fix}\n`)
    expect(text.stdout).toContain('docs/errors.md#dcb_subset_invalid')
    const {json} = await runBenchJson(['errors', 'pool_input'])
    const {exitCode: exit_code, ...entry} = ERRORS.DCB_POOL_INPUT
    expect(json).toEqual({code: 'DCB_POOL_INPUT', ...entry, exit_code})
  })

  it('an unknown code exits 2 with DCB_UNKNOWN_CHOICE and a hint, not the whole list', async () => {
    const result = await runBench(['errors', 'DCB_NOPE'])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe("error [DCB_UNKNOWN_CHOICE]: unknown error code 'DCB_NOPE'\n  hint: bench errors lists every code")
    const {exitCode, json} = await runBenchJson<{error: Record<string, unknown>}>(['errors', 'nope'])
    expect(exitCode).toBe(2)
    expect(json.error).toEqual({code: 'DCB_UNKNOWN_CHOICE', message: "unknown error code 'nope'", exit_code: 2, suggestions: ['bench errors lists every code']})
  })

  it('answers --help with examples', async () => {
    const result = await runBench(['errors', '--help'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('EXAMPLES')
    expect(result.stdout).toContain('--json')
  })
})
