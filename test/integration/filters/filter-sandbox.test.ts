import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {synthesizeDataComp} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {synthesizeDclm} from '../../../src/benchmarks/dclm/synth-pool.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * A participant's filter is code: `bench filter --filter FILE.ts` runs it in a child process under
 * Node's permission model (docs/security.md, "Filters"). What it may do — read the pool, itself and
 * --allow-read paths, decide, print to stderr — and what it may not: read or write any other file,
 * start processes, see bench's environment, take bench down with it.
 */

const tempDir = useTempDir('dcbench-filter-sandbox-')
let root: string
let dclmPool: string
let datacompPool: string
/** A file of the user's that no filter may read. */
let secret: string

interface FilterJson {
  filter: string
  pool_records: number
  kept: number
  fingerprint: string
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-filter-sandbox-pools-'))
  dclmPool = join(root, 'dclm')
  datacompPool = join(root, 'datacomp')
  mkdirSync(dclmPool)
  mkdirSync(datacompPool)
  await synthesizeDclm({dir: dclmPool, targetWords: 20_000, seed: 5})
  await synthesizeDataComp({dir: datacompPool, count: 300, seed: 5, scale: 'tiny'})
  secret = join(root, 'secret.txt')
  writeFileSync(secret, 'hf_token=do-not-leak\n')
}, 300_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** A filter module in a folder of its own; `body` is the module's source. */
function filterFile(name: string, body: string): {file: string; dir: string} {
  const dir = tempDir()
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, body)
  return {file, dir}
}

function filterArgs(file: string, out: string, pool = dclmPool, benchmark = 'dclm'): string[] {
  return ['filter', '--benchmark', benchmark, '--filter', file, '--pool', pool, '--out', out]
}

describe('what a sandboxed filter may do', () => {
  it('reads the pool and its own file, prints to stderr (stdout stays one JSON document), and decides', async () => {
    const dir = tempDir()
    const file = join(dir, 'reader.ts')
    writeFileSync(file, `import {readdirSync, readFileSync} from 'node:fs'
import type {DataFilter, FilterContext} from 'dcbench'

export default function reader(context: FilterContext): DataFilter {
  const files = readdirSync(context.pool).length
  const self = readFileSync(${JSON.stringify(file)}, 'utf8').length
  console.log('reader: pool has', files, 'entries; my source has', self, 'characters')
  return {name: 'reader', benchmarks: ['dclm'], decide: (record) => record.benchmark === 'dclm' && record.text.length > 300}
}
`)
    const result = await runBenchJson<FilterJson>(filterArgs(file, join(dir, 'kept.npy')))
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({filter: 'reader'})
    expect(result.json.kept).toBeGreaterThan(0)
    expect(result.json.kept).toBeLessThan(result.json.pool_records)
    expect(result.stderr).toMatch(/reader: pool has \d+ entries; my source has \d+ characters/)
  })

  it('reads a file given with --allow-read', async () => {
    const {file, dir} = filterFile('allowed', `import {readFileSync} from 'node:fs'
export default {name: 'allowed', benchmarks: ['dclm'], decide: () => readFileSync(${JSON.stringify(secret)}, 'utf8').startsWith('hf_token')}
`)
    const result = await runBenchJson<FilterJson>([...filterArgs(file, join(dir, 'kept.npy')), '--allow-read', secret])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.kept).toBe(result.json.pool_records)
  })

  it("sees none of bench's environment variables", async () => {
    const {file, dir} = filterFile('env', `export default {name: 'env', benchmarks: ['dclm'], decide: () => process.env.DCBENCH_TEST_SECRET === undefined && Object.keys(process.env).length === 0}
`)
    const result = await runBenchJson<FilterJson>(filterArgs(file, join(dir, 'kept.npy')), {env: {DCBENCH_TEST_SECRET: 'hf_do-not-leak'}})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.kept).toBe(result.json.pool_records)
  })

  it("calls a record's image() (decoded by bench) and decides as the same filter does in bench's own process", async () => {
    const source = `export default {name: 'bright', benchmarks: ['datacomp'], decide: async (r: {image(): Promise<{data: Uint8Array}>}) => {
  const {data} = await r.image()
  let sum = 0
  for (const v of data) sum += v
  return sum / data.length > 120
}}
`
    const {file, dir} = filterFile('bright', source)
    const result = await runBenchJson<FilterJson>(filterArgs(file, join(dir, 'kept.npy'), datacompPool, 'datacomp'))
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.kept).toBeGreaterThan(0)
    expect(result.json.kept).toBeLessThan(result.json.pool_records)
    // the same decisions from a plain module in bench's process: the heuristic-style built-in path
    const {applyFilter} = await import('../../../src/filters/apply.js')
    const inProcess = await applyFilter({
      filter: {
        name: 'bright', benchmarks: ['datacomp'],
        decide: async (r) => {
          const {data} = await (r as unknown as {image(): Promise<{data: Uint8Array}>}).image()
          let sum = 0
          for (const v of data) sum += v
          return sum / data.length > 120
        },
      },
      benchmark: 'datacomp', pool: datacompPool, out: join(dir, 'in-process.npy'),
    })
    expect(result.json.fingerprint).toBe(inProcess.fingerprint)
  })
})

describe('what a sandboxed filter may not do', () => {
  it.each([
    ['read a file of the user\'s', `import {readFileSync} from 'node:fs'
export default {name: 'thief', benchmarks: ['dclm'], decide: () => readFileSync(SECRET, 'utf8').length > 0}
`, /^error \[DCB_FILTER_SANDBOX\]: filter 'thief' was refused reading .*secret\.txt \(on sample [0-9a-f]{32}\)/],
    ['read a file of the user\'s while loading', `import {readFileSync} from 'node:fs'
const stolen = readFileSync(SECRET, 'utf8')
export default {name: 'loader', benchmarks: ['dclm'], decide: () => stolen.length > 0}
`, /^error \[DCB_FILTER_SANDBOX\]: filter module .*hostile\.ts was refused reading .*secret\.txt while loading/],
    ['write beside its output', `import {writeFileSync} from 'node:fs'
export default {name: 'writer', benchmarks: ['dclm'], decide: () => { writeFileSync(TARGET + '/stolen.txt', 'x'); return true }}
`, /^error \[DCB_FILTER_SANDBOX\]: filter 'writer' was refused writing .*stolen\.txt/],
    ['write its output itself', `import {writeFileSync} from 'node:fs'
export default {name: 'forger', benchmarks: ['dclm'], decide: () => { writeFileSync(TARGET + '/kept.npy', 'x'); return true }}
`, /^error \[DCB_FILTER_SANDBOX\]: filter 'forger' was refused writing .*kept\.npy/],
    ['start a process', `import {execFileSync} from 'node:child_process'
export default {name: 'spawner', benchmarks: ['dclm'], decide: () => execFileSync('id').length > 0}
`, /^error \[DCB_FILTER_SANDBOX\]: filter 'spawner' was refused starting a process/],
    ['exit bench', `export default {name: 'quitter', benchmarks: ['dclm'], decide: () => process.exit(0)}
`, /^error \[DCB_FILTER_BAD\]: filter 'quitter': its process exited \(code 0\) while deciding the batch of \d+ samples from [0-9a-f]{32}/],
  ])('cannot %s: refused in one line, exit 2, no output written', async (_what, body, message) => {
    // TARGET: the folder of the output bench writes, where the filter aims its writes
    const target = tempDir()
    const {file} = filterFile('hostile', body.replace('SECRET', JSON.stringify(secret)).replaceAll('TARGET', JSON.stringify(target)))
    const result = await runBench(filterArgs(file, join(target, 'kept.npy')))
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toMatch(message)
    expect(existsSync(join(target, 'stolen.txt'))).toBe(false)
    expect(existsSync(join(target, 'kept.npy'))).toBe(false)
  })

  it('cannot import files beside it, whose reading would escape the sandbox: a filter is one module', async () => {
    const {file, dir} = filterFile('importer', `import {helper} from './helper'
export default {name: 'importer', benchmarks: ['dclm'], decide: () => helper}
`)
    writeFileSync(join(dir, 'helper.ts'), 'export const helper = true\n')
    const result = await runBench(filterArgs(file, join(dir, 'kept.npy')))
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^error \[DCB_FILTER_BAD\]: filter module .*importer\.ts:1:\d+: cannot be loaded: imports '\.\/helper'; a filter runs sandboxed as one module/)
  })
})
