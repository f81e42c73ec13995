import {existsSync, mkdirSync, mkdtempSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {runBench} from '../../helpers/cli.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

// `bench reshard` must not exit 0 with training data made from nothing, or from subset records the
// pool never had (what `bench subset validate` rejects): one line, exit 2, and no output left behind.
const tempDir = useTempDir('dcbench-reshard-refusals-')
let complete: string
let downloaded: string
let dclmPool: string
let uids: string[]
let ids: string[]

beforeAll(async () => {
  // the fixtures outlive each test (useTempDir's folders do not)
  const root = mkdtempSync(join(tmpdir(), 'dcbench-fixture-'))
  complete = join(root, 'synthetic')
  uids = (await makeDataCompPool(complete, {shards: 1, perShard: 40})).uids
  downloaded = join(root, 'downloaded')
  await makeDataCompPool(downloaded, {shards: 1, perShard: 40, downloadFailures: 2})
  dclmPool = join(root, 'dclm')
  ids = (await makeDclmPool(dclmPool, 4000)).ids
}, 300_000)

async function subset(counts: [string, number][]): Promise<string> {
  const file = join(tempDir(), 'subset.npy')
  await writeSubsetNpy(file, new Map(counts))
  return file
}

async function refused(args: string[], out: string): Promise<string> {
  const result = await runBench(['reshard', ...args, '--out', out])
  expect(result.exitCode, result.stderr).toBe(2)
  // progress lines come first; the error is the last line but its hints
  const lines = result.stderr.trim().split('\n')
  const error = lines.slice(lines.findIndex((line) => line.startsWith('error [')))
  expect(error.slice(1).every((line) => line.startsWith('  hint: ')), result.stderr).toBe(true)
  expect(error[1]).toContain('bench subset validate')
  return error[0] as string
}

describe('bench reshard refuses an empty result and subset records the pool never had', () => {
  it('DataComp: a subset that matches nothing (exit 2, no output folder)', async () => {
    const file = await subset([['f'.repeat(32), 1], ['0123456789abcdef0123456789abcdef', 2]])
    const out = join(tempDir(), 'data')
    expect(await refused(['--benchmark', 'datacomp', '--subset', file, '--pool', downloaded], out)).toBe(
      `error [DCB_RESHARD_SUBSET]: subset ${file}: selects no samples of pool ${downloaded} (none of its 3 samples is in the pool); no training data written`,
    )
    expect(existsSync(out)).toBe(false)
  })

  it('DataComp: uids a complete (synthetic) pool lacks; an empty --out folder given is left empty', async () => {
    const file = await subset([[uids[0] as string, 1], [uids[1] as string, 2], ['f'.repeat(32), 1]])
    const out = join(tempDir(), 'data')
    mkdirSync(out)
    expect(await refused(['--benchmark', 'datacomp', '--subset', file, '--pool', complete], out)).toBe(
      `error [DCB_RESHARD_SUBSET]: subset ${file}: 1 of its 4 samples is not in pool ${complete}, which lacks none of its source's samples; no training data written`,
    )
    expect(readdirSync(out)).toEqual([])
  })

  it('DataComp: the same uids from a downloaded pool whose stats record lost downloads stay a warning (as the official resharder)', async () => {
    const file = await subset([[uids[0] as string, 1], ['f'.repeat(32), 1]])
    const result = await runBench(['reshard', '--benchmark', 'datacomp', '--subset', file, '--pool', downloaded, '--out', join(tempDir(), 'data')])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stderr).toContain("1 of the subset's 2 records were not found in the pool")
  })

  it('DCLM: a subset of document ids the pool does not have, and one with a single stranger', async () => {
    const none = await subset([['e'.repeat(32), 1]])
    expect(await refused(['--benchmark', 'dclm', '--scale', 'tiny', '--subset', none, '--pool', dclmPool], join(tempDir(), 'a'))).toBe(
      `error [DCB_RESHARD_SUBSET]: subset ${none}: selects no documents of pool ${dclmPool} (none of its 1 document is in the pool); no training data written`,
    )
    const one = await subset([[ids[0] as string, 1], [ids[1] as string, 1], ['e'.repeat(32), 1]])
    const out = join(tempDir(), 'b')
    expect(await refused(['--benchmark', 'dclm', '--scale', 'tiny', '--subset', one, '--pool', dclmPool], out)).toBe(
      `error [DCB_RESHARD_SUBSET]: subset ${one}: 1 of its 3 documents is not in pool ${dclmPool}, which lacks none of its source's documents; no training data written`,
    )
    expect(existsSync(out)).toBe(false)
  })
})
