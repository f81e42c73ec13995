import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {uidNpyHeader} from '../../../src/subset/npy.js'
import {uidRecord} from '../../../src/pool/uid.js'
import {repoRoot, runBench} from '../../helpers/cli.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * A third benchmark added through the library API alone (docs/adding-a-benchmark.md): one adapter file
 * and its tracks/ and evaluators/ files, all in test/fixtures/toy-benchmark, registered by a program
 * that then runs the bench CLI. Nothing in dcbench's source names it.
 */

const tempDir = useTempDir('dcbench-toy-')
const FIXTURE = join(repoRoot, 'test/fixtures/toy-benchmark')

/** `bench` with the toy registered: the fixture's runner, compiled on the fly by tsx, against the built package. */
async function toyBench(args: string[]): Promise<{exitCode: number; stdout: string; stderr: string}> {
  const result = await execa(process.execPath, ['--import', 'tsx', join(FIXTURE, 'bench-with-toy.ts'), ...args], {reject: false, cwd: repoRoot})
  return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}

async function toyJson(args: string[]): Promise<{exitCode: number; json: Record<string, any>}> {
  const result = await toyBench([...args, '--json'])
  try {
    return {exitCode: result.exitCode, json: JSON.parse(result.stdout) as Record<string, any>}
  } catch {
    throw new Error(`no JSON from ${args.join(' ')} (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`)
  }
}

const hex = (i: number): string => i.toString(16).padStart(32, '0')

function writeSubset(file: string, ids: number[]): void {
  const records = ids.map((i) => uidRecord(hex(i)))
  writeFileSync(file, Buffer.concat([uidNpyHeader(ids.length), ...records.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength))]))
}

describe('a toy third benchmark, registered through the library API', () => {
  it('type-checks against the built package, as a third party would compile it', async () => {
    const dir = tempDir()
    const tsconfig = {
      compilerOptions: {target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repoRoot, 'node_modules/@types')]},
      files: [join(FIXTURE, 'toy.ts'), join(FIXTURE, 'bench-with-toy.ts')],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
    const tsc = await execa(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {reject: false})
    expect(tsc.exitCode, `${tsc.stdout}${tsc.stderr}`).toBe(0)
  })

  it('bench tracks list shows its scales beside the built-in ones', async () => {
    const {exitCode, json} = await toyJson(['tracks', 'list'])
    expect(exitCode).toBe(0)
    const toy = json.scales.filter((s: {benchmark: string}) => s.benchmark === 'toy')
    expect(toy.map((s: {scale: string}) => s.scale)).toEqual(['small', 'large'])
    expect(toy[0]).toMatchObject({status: 'official', tracks: ['filtering'], model: 'a lookup table', compute: '256 items · 32 steps', recipe_hash: expect.stringMatching(/^[0-9a-f]{64}$/)})
    expect(json.scales.some((s: {benchmark: string}) => s.benchmark === 'datacomp')).toBe(true)

    const human = await toyBench(['tracks', 'show', '--benchmark', 'toy', '--scale', 'small', '--set', 'gpus_per_node=2'])
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/toy small \(official\)/)
    expect(human.stdout).toMatch(/infra: .*"per_device_batch_size":4/)
  })

  it('bench pool index and bench subset validate read its pool through its adapter', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'pool', 'items'), {recursive: true})
    writeFileSync(join(dir, 'pool', 'items', 'a.items'), `${Array.from({length: 40}, (_, i) => hex(i + 1)).join('\n')}\n`)
    writeFileSync(join(dir, 'pool', 'items', 'b.items'), `${Array.from({length: 24}, (_, i) => hex(i + 41)).join('\n')}\n`)
    const index = await toyJson(['pool', 'index', join(dir, 'pool'), '--out', join(dir, 'pool.uidx')])
    expect(index.exitCode).toBe(0)
    expect(index.json).toMatchObject({kind: 'toy', count: 64, unique: 64})
    expect(index.json.sources.map((s: {type: string}) => s.type)).toEqual(['items', 'items'])

    writeSubset(join(dir, 'ok.npy'), [1, 2, 2, 3, 10, 64])
    const ok = await toyJson(['subset', 'validate', join(dir, 'ok.npy'), '--benchmark', 'toy', '--scale', 'small', '--pool-index', join(dir, 'pool.uidx')])
    expect(ok.exitCode).toBe(0)
    expect(ok.json).toMatchObject({benchmark: 'toy', valid: true, count: 5, samples_per_pass: 6, pool_size: 64, epochs: {budget_kind: 'samples_seen', budget: 256}})
    expect(ok.json.epochs.epochs).toBeCloseTo(256 / 6, 12)

    writeSubset(join(dir, 'stranger.npy'), [1, 65])
    const stranger = await toyBench(['subset', 'validate', join(dir, 'stranger.npy'), '--benchmark', 'toy', '--scale', 'small', '--pool-index', join(dir, 'pool.uidx')])
    expect(stranger.exitCode).toBe(1)
    expect(stranger.stdout).toMatch(/invalid: 1 distinct item id \(1 item\) is not in the pool index/)
  })

  it('bench eval aggregate recomputes its results files with its own rules', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'all.csv'), 'task,score\ncount,0.5\ncolour,0.25\nshape,0.75\n')
    const all = await toyJson(['eval', 'aggregate', join(dir, 'all.csv'), '--benchmark', 'toy'])
    expect(all.exitCode).toBe(0)
    expect(all.json).toMatchObject({benchmark: 'toy', aggregates: {Mean: 0.5}, partial: false})

    writeFileSync(join(dir, 'two.csv'), 'count,0.5\nshape,1\n')
    const refused = await toyBench(['eval', 'aggregate', join(dir, 'two.csv'), '--benchmark', 'toy'])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toMatch(/^error \[DCB_RESULTS_INCOMPLETE\]: .*two\.csv: 1 task\(s\) missing \(colour\)/)
    const partial = await toyJson(['eval', 'aggregate', join(dir, 'two.csv'), '--benchmark', 'toy', '--partial'])
    expect(partial.json).toMatchObject({aggregates: {Mean: 0.75}, partial: true, missing: ['colour']})
  })

  it('is unknown to bench itself: no flag or environment variable loads benchmark code', async () => {
    const result = await runBench(['tracks', 'show', '--benchmark', 'toy', '--scale', 'small'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^error \[DCB_UNKNOWN_CHOICE\]: unknown benchmark 'toy'; valid: datacomp, dclm/)
  })
})
