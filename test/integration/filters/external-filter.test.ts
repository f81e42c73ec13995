import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * A participant's filter in a folder of their own, outside the repository, with dcbench installed as
 * a package (node_modules/dcbench, as `npm install` or `npm link` leaves it): it imports the filter
 * types from 'dcbench', type-checks against the built package, and runs with `bench filter`.
 */

const tempDir = useTempDir('dcbench-external-filter-')
let pool: string

const FILTER = `import type {DataFilter, FilterContext} from 'dcbench'

/** Keeps long documents, and every other one of the short ones. */
export default function longDocuments(context: FilterContext): DataFilter {
  let short = 0
  return {
    name: 'long-documents',
    benchmarks: [context.benchmark],
    decide(record) {
      if (record.benchmark !== 'dclm') return false
      if (record.text.length >= 400) return true
      return short++ % 2 === 0
    },
  }
}
`

/** The same filter reading a DataComp field off a DCLM record: the types must refuse it. */
const WRONG_FILTER = FILTER.replace('record.text.length >= 400', 'record.caption.length >= 400')

function participantFolder(): string {
  const dir = tempDir()
  mkdirSync(join(dir, 'node_modules'), {recursive: true})
  symlinkSync(repoRoot, join(dir, 'node_modules', 'dcbench'), 'dir')
  const compilerOptions = {target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repoRoot, 'node_modules/@types')]}
  writeFileSync(join(dir, 'package.json'), JSON.stringify({name: 'my-filters', type: 'module', private: true}))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({compilerOptions, include: ['*.ts']}))
  return dir
}

async function typecheck(dir: string): Promise<{exitCode: number; output: string}> {
  const tsc = await execa(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {reject: false, cwd: dir})
  return {exitCode: tsc.exitCode ?? -1, output: `${tsc.stdout}${tsc.stderr}`}
}

let poolRoot: string
afterAll(() => rmSync(poolRoot, {recursive: true, force: true}))
beforeAll(async () => {
  // Not a useTempDir folder: those are removed after each test, and the pool serves them all.
  poolRoot = mkdtempSync(join(tmpdir(), 'dcbench-external-filter-pool-'))
  pool = join(poolRoot, 'pool')
  const synth = await runBench(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', pool])
  expect(synth.exitCode, synth.stderr).toBe(0)
  const index = await runBench(['pool', 'index', pool, '--out', join(pool, 'pool.uidx')])
  expect(index.exitCode, index.stderr).toBe(0)
})

describe("a participant's filter outside the repository", () => {
  it("type-checks against the built package's types, which refuse a field of another benchmark's records", async () => {
    const good = participantFolder()
    writeFileSync(join(good, 'filter.ts'), FILTER)
    const ok = await typecheck(good)
    expect(ok.exitCode, ok.output).toBe(0)

    const bad = participantFolder()
    writeFileSync(join(bad, 'filter.ts'), WRONG_FILTER)
    const refused = await typecheck(bad)
    expect(refused.exitCode).not.toBe(0)
    expect(refused.output).toMatch(/filter\.ts.*Property 'caption' does not exist on type 'DocumentRecord'/)
  })

  it('runs with bench filter --filter FILE.ts and keeps what it decides', async () => {
    const dir = participantFolder()
    writeFileSync(join(dir, 'filter.ts'), FILTER)
    const {exitCode, json} = await runBenchJson<{filter: string; kept: number; pool_records: number; out: string}>(
      ['filter', '--benchmark', 'dclm', '--filter', join(dir, 'filter.ts'), '--pool', pool, '--out', join(dir, 'mine.npy')],
      {cwd: dir},
    )
    expect(exitCode).toBe(0)
    expect(json.filter).toBe('long-documents')
    expect(json.kept).toBeGreaterThan(0)
    expect(json.kept).toBeLessThan(json.pool_records)
    const validated = await runBenchJson<{valid: boolean; count: number}>(['subset', 'validate', join(dir, 'mine.npy'), '--benchmark', 'dclm', '--scale', 'tiny', '--pool-index', join(pool, 'pool.uidx')], {cwd: dir})
    expect(validated.json).toMatchObject({valid: true, count: json.kept})
  })
})
