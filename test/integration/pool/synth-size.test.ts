import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'

// `bench pool synth` states the pool's size before it starts, refuses a job past 10 GB or 30
// minutes without --yes (no terminal to ask on here), and a Ctrl-C removes its partial folder and says so.
describe('bench pool synth: size first, --yes for large jobs, Ctrl-C cleans up', () => {
  it('refuses --scale small without --yes before writing anything, after stating its size', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dcbench-synth-size-'))
    const out = join(root, 'small')
    const result = await runBench(['pool', 'synth', '--benchmark', 'datacomp', '--scale', 'small', '--out', out])
    expect(result.exitCode, result.stderr).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^pool synth of datacomp small: 12800000 samples, ≈ 56\\.3 GB in ≈ \\d+ h( \\d+ min)? on one core \\(estimates\\) → ${out}$`))
    expect(lines[1]).toMatch(/^error \[DCB_JOB_CONFIRM\]: pool synth of datacomp small would write 56\.3 GB in about \d+ h( \d+ min)? \(estimated\), over 10\.0 GB and over 30 min, which needs confirming; nothing was started$/)
    expect(lines.slice(2).every((line) => line.startsWith('  hint: '))).toBe(true)
    expect(readdirSync(root)).toEqual([])
    const json = await runBenchJson<{error: {code: string}}>(['pool', 'synth', '--benchmark', 'dclm', '--scale', '1b-1x', '--out', out])
    expect(json.exitCode).toBe(2)
    expect(json.json.error.code).toBe('DCB_JOB_CONFIRM')
    expect(readdirSync(root)).toEqual([])
  })

  it('tiny needs no --yes and still states its size first', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dcbench-synth-size-')), 'tiny')
    const result = await runBench(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', out])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr.split('\n')[0]).toMatch(/^pool synth of dclm tiny: \d+ documents, ≈ [\d.]+ MB in ≈ \d+ s on one core \(estimates\)/)
    expect(existsSync(join(out, 'pool.json'))).toBe(true)
  }, 120_000)

  it('Ctrl-C removes the hidden partial folder and says so (exit 3)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dcbench-synth-int-'))
    const out = join(root, 'small')
    const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), 'pool', 'synth', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--yes'], {stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // wait until the generator has written into its hidden folder, then interrupt it as Ctrl-C does
    const deadline = Date.now() + 120_000
    while (!readdirSync(root).some((name) => name.endsWith('.partial')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(readdirSync(root).some((name) => name.startsWith('.small.') && name.endsWith('.partial'))).toBe(true)
    await new Promise((r) => setTimeout(r, 1000))
    child.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code, stderr).toBe(3)
    expect(stderr).toMatch(new RegExp(`error \\[DCB_POOL_INTERRUPTED\\]: pool synth ${out}: interrupted after \\d+ samples; removed its partial folder ${root}/\\.small\\.\\d+\\.[0-9a-f]+\\.partial, nothing was kept`))
    expect(readdirSync(root)).toEqual([])
  }, 180_000)
})
