import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {runBench} from '../../helpers/cli.js'
import {makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

// Wording slips a newcomer met: "from 1 files", "Missing 1 required arg:; file", "0.00 GB/s",
// progress lines printed twice, "invalid: …" on stderr while "valid" went to stdout.
const tempDir = useTempDir('dcbench-wording-')
let pool: string
let ids: string[]

beforeAll(async () => {
  // the fixture outlives each test (useTempDir's folders do not)
  pool = join(mkdtempSync(join(tmpdir(), 'dcbench-fixture-')), 'pool')
  ids = (await makeDclmPool(pool, 4000)).ids
}, 120_000)

describe('message wording', () => {
  it('a missing argument reads as one sentence, not "arg:; file"', async () => {
    const result = await runBench(['subset', 'convert'])
    expect(result.exitCode).toBe(2)
    const first = result.stderr.split('\n')[0] as string
    expect(first).toMatch(/^error \[DCB_USAGE\]: Missing 2 required args: input The subset to read/)
    expect(first).not.toContain(':;')
  })

  it('pool index: one file is "1 file", and its progress line is printed once', async () => {
    const index = join(tempDir(), 'pool.uidx')
    const result = await runBench(['pool', 'index', join(pool, 'documents'), '--out', index])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^dclm pool index ${index}: ${ids.length} uids \\(${ids.length} distinct\\) from 1 file\\n`))
    expect(result.stderr.split('\n').filter((line) => line.startsWith('index: '))).toHaveLength(1)
  })

  it('subset validate: the verdict on stdout either way, and no "0.00 GB/s" for a small file', async () => {
    const index = join(tempDir(), 'pool.uidx')
    expect((await runBench(['pool', 'index', join(pool, 'documents'), '--out', index])).exitCode).toBe(0)
    const good = join(tempDir(), 'good.npy')
    await writeSubsetNpy(good, new Map([[ids[0] as string, 1]]))
    const valid = await runBench(['subset', 'validate', good, '--benchmark', 'dclm', '--scale', 'tiny', '--pool', index])
    expect(valid.exitCode, valid.stderr).toBe(0)
    expect(valid.stdout).toMatch(/^valid \([\d.]+ s, [\d.]+ (B|kB|MB|GB)\/s\)$/m)
    expect(valid.stdout).not.toContain('0.00 GB/s')
    const bad = join(tempDir(), 'bad.npy')
    await writeSubsetNpy(bad, new Map([[ids[0] as string, 1], ['e'.repeat(32), 1]]))
    const invalid = await runBench(['subset', 'validate', bad, '--benchmark', 'dclm', '--scale', 'tiny', '--pool', index])
    expect(invalid.exitCode).toBe(1)
    expect(invalid.stdout).toMatch(/^invalid: 1 distinct document id \(1 document\) is not in the pool index /m)
    expect(invalid.stderr).not.toContain('invalid: ')
  })
})
