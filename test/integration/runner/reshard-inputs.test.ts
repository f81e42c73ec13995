import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {reshard} from '../../../src/runner/reshard/index.js'
import {repoRoot, runBench} from '../../helpers/cli.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Issue 17: resharding inputs a hostile or unlucky world hands over. A uid in two pool shards (a
 * document in two files) must be counted, not make `missing` negative; what a killed run leaves
 * behind (a temporary `.partial` before its first shard, the temporary folder of a DCLM run) must
 * be detected and redone — and a run killed at any moment must, run again, give the bytes of a run
 * never killed.
 */

const tempDir = useTempDir('dcbench-reshard-inputs-')
let root: string
let pool: string
let uids: string[]

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-reshard-inputs-fixture-'))
  pool = join(root, 'pool')
  uids = (await makeDataCompPool(pool, {shards: 4, perShard: 150, downloadFailures: 1})).uids
}, 300_000)

afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('duplicate ids across pool files', () => {
  it('DataComp: a uid in two shards is written from both, counted in pool_duplicates, and missing counts only strangers', async () => {
    const dir = tempDir()
    const twice = join(dir, 'pool')
    mkdirSync(join(twice, 'shards'), {recursive: true})
    for (const [from, to] of [['00000000', '00000000'], ['00000000', '00000001']]) {
      copyFileSync(join(pool, 'shards', `${from}.tar`), join(twice, 'shards', `${to}.tar`))
      copyFileSync(join(pool, 'shards', `${from}_stats.json`), join(twice, 'shards', `${to}_stats.json`))
    }
    writeFileSync(join(twice, 'pool.json'), '{"benchmark": "datacomp", "scale": "tiny"}\n')
    const subset = join(dir, 'subset.npy')
    await writeSubsetNpy(subset, new Map([[uids[0] as string, 1], [uids[1] as string, 2], [uids[2] as string, 1], ['f'.repeat(32), 1]]))
    const result = await reshard({benchmark: 'datacomp', subsetFile: subset, poolDir: twice, outDir: join(dir, 'data'), shardSize: 40})
    expect(result.subset_size).toBe(5)
    expect(result.output_count).toBe(8)
    expect(result.missing).toBe(1)
    const manifest = JSON.parse(readFileSync(join(dir, 'data', 'manifest.json'), 'utf8')) as Record<string, unknown>
    expect(manifest).toMatchObject({output_count: 8, missing: 1, pool_duplicates: 3})
  })

  it('DCLM: a document in two files is used from both, counted in pool_duplicates, and missing stays 0', async () => {
    const dir = tempDir()
    const dclm = join(dir, 'pool')
    const {ids} = await makeDclmPool(dclm, 4000)
    const documents = join(dclm, 'documents')
    const [first] = readdirSync(documents).sort()
    copyFileSync(join(documents, first as string), join(documents, `zz-copy-${first as string}`))
    const subset = join(dir, 'subset.npy')
    await writeSubsetNpy(subset, new Map([[ids[0] as string, 1], [ids[1] as string, 1]]))
    const result = await reshard({benchmark: 'dclm', scale: 'tiny', subsetFile: subset, poolDir: dclm, outDir: join(dir, 'data')})
    expect(result.subset_size).toBe(2)
    expect(result.output_count).toBe(4)
    expect(result.missing).toBe(0)
    const manifest = JSON.parse(readFileSync(join(dir, 'data', 'tokenized.json'), 'utf8')) as Record<string, unknown>
    expect(manifest).toMatchObject({documents: 4, missing: 0, pool_duplicates: 2})
  })
})

describe('what a killed run leaves behind', () => {
  let subset: string
  let clean: {shards: unknown[]}

  beforeAll(async () => {
    subset = join(root, 'subset.npy')
    await writeSubsetNpy(subset, new Map(uids.filter((_, i) => i % 3 !== 0).map((uid, i) => [uid, 1 + (i % 2)])))
    await reshard({benchmark: 'datacomp', subsetFile: subset, poolDir: pool, outDir: join(root, 'clean'), shardSize: 10})
    clean = JSON.parse(readFileSync(join(root, 'clean', 'manifest.json'), 'utf8')) as {shards: unknown[]}
  }, 300_000)

  it('DataComp: a folder holding only the temporary file of an unfinished first shard is redone', async () => {
    const out = join(tempDir(), 'data')
    mkdirSync(out)
    writeFileSync(join(out, '.00000000.tar.99999999.deadbeef.partial'), 'half a tar')
    await reshard({benchmark: 'datacomp', subsetFile: subset, poolDir: pool, outDir: out, shardSize: 10})
    expect((JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {shards: unknown[]}).shards).toEqual(clean.shards)
    expect(readdirSync(out).filter((n) => n.endsWith('.partial'))).toEqual([])
  })

  it('DataComp: killed with SIGKILL at several moments and run again, it ends with the bytes of a run never killed', {timeout: 300_000}, async () => {
    const out = join(tempDir(), 'data')
    const args = [join(repoRoot, 'bin/run.js'), 'reshard', '--benchmark', 'datacomp', '--subset', subset, '--pool', pool, '--out', out, '--shard-size', '10']
    for (const delay of [1200, 1500, 1800, 2200, 2600]) {
      const child = execa(process.execPath, args, {reject: false})
      await sleep(delay)
      child.kill('SIGKILL')
      await child
    }
    const last = await runBench(args.slice(1))
    expect(last.exitCode, last.stderr).toBe(0)
    expect((JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {shards: unknown[]}).shards).toEqual(clean.shards)
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('DCLM: the temporary folder a killed run left beside the output is removed by the next run', async () => {
    const dir = tempDir()
    const dclm = join(dir, 'pool')
    const {ids} = await makeDclmPool(dclm, 4000)
    const subset = join(dir, 'subset.npy')
    await writeSubsetNpy(subset, new Map([[ids[0] as string, 1]]))
    const out = join(dir, 'data')
    const leftover = join(dirname(out), '.data.99999999.deadbeef.partial')
    mkdirSync(join(leftover, 'cells'), {recursive: true})
    writeFileSync(join(leftover, 'cells', '00000000.bin'), 'junk')
    await reshard({benchmark: 'dclm', scale: 'tiny', subsetFile: subset, poolDir: dclm, outDir: out})
    expect(existsSync(join(out, 'tokenized.json'))).toBe(true)
    expect(existsSync(leftover)).toBe(false)
  })
})
