import {appendFileSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {aggregateDataCompFile} from '../../../src/eval/datacomp/index.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {writeDataCompRunFixture} from '../../helpers/run-fixture.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-submit-')

interface Entry {
  eval: {tasks: Record<string, number>; aggregates: Record<string, number>; suite: string}
  data: {pool_index_sha256: string}
}

describe('bench submit → verify → leaderboard add → publish (run and eval files made by code)', () => {
  it('signs what the run and eval files say, and every later step checks it', async () => {
    const dir = tempDir()
    const {run, evalFile, poolIndex} = writeDataCompRunFixture(dir)
    const keys = await runBenchJson<{private_key_file: string; public_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys'), '--name', 'team-a'])
    const board = join(dir, 'board')
    await runBench(['keys', 'trust', keys.json.public_key_file, '--keyring', join(board, 'keyring')])

    const entryFile = join(dir, 'entry.json')
    const submit = await runBenchJson<{entry: Entry}>([
      'submit', '--run', run, '--eval', evalFile, '--key', keys.json.private_key_file, '--out', entryFile,
      '--method', 'CLIP score top 30%', '--link', 'https://example.org/a', '--pool-index', poolIndex,
    ])
    expect(submit.stderr).toBe('')
    expect(submit.exitCode).toBe(0)
    // The aggregates are exactly those of `bench eval aggregate` on the same file.
    const official = await aggregateDataCompFile({file: evalFile})
    expect(submit.json.entry.eval.aggregates).toEqual(official.aggregates)
    expect(Object.keys(submit.json.entry.eval.tasks)).toHaveLength(38)
    expect(submit.json.entry.eval.suite).toBe('datacomp-38')

    const verify = await runBench(['verify', entryFile, '--keyring', join(board, 'keyring'), '--run', run, '--eval', evalFile, '--pool-index', poolIndex])
    expect(verify.stderr).toBe('')
    expect(verify.exitCode).toBe(0)
    expect(verify.stdout.split('\n').filter((l) => l.startsWith('ok')).map((l) => l.split(/\s+/)[1])).toEqual(['schema', 'signature', 'recipe', 'model', 'tasks', 'aggregates', 'run', 'model', 'eval', 'pool'])

    const add = await runBenchJson<{status: string; records: number}>(['leaderboard', 'add', entryFile, '--board', board])
    expect(add.json).toMatchObject({status: 'self-reported', records: 1})
    const publish = await runBenchJson<{boards: {id: string; leader: string}[]}>(['leaderboard', 'publish', '--board', board, '--out', join(dir, 'site'), '--keyring', join(board, 'keyring')])
    expect(publish.json.boards).toEqual([{id: 'datacomp-small-filtering', entries: 1, headline: 'Average', leader: 'CLIP score top 30%'}])
    expect(readFileSync(join(dir, 'site/leaderboard.md'), 'utf8')).toContain(official.aggregates.Average!.toFixed(4))
  })

  it('verify names the file that no longer matches: an edited eval file, another run, another pool', async () => {
    const dir = tempDir()
    const {run, evalFile, poolIndex} = writeDataCompRunFixture(dir)
    const keys = await runBenchJson<{private_key_file: string; public_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys')])
    const entryFile = join(dir, 'entry.json')
    await runBench(['submit', '--run', run, '--eval', evalFile, '--key', keys.json.private_key_file, '--out', entryFile, '--method', 'm', '--pool-index', poolIndex])
    const ring = join(dir, 'keys')

    appendFileSync(evalFile, '\n')
    const editedEval = await runBench(['verify', entryFile, '--keyring', ring, '--eval', evalFile])
    expect(editedEval.exitCode).toBe(1)
    expect(editedEval.stderr).toMatch(/rejected: .*entry.json: eval.results_sha256: .*eval_results.jsonl hashes to [0-9a-f]{16}…, the entry says [0-9a-f]{16}…/)

    const runJson = join(run, 'run.json')
    writeFileSync(runJson, readFileSync(runJson, 'utf8').replace('"subset_size": 1000001', '"subset_size": 2000001'))
    const otherRun = await runBench(['verify', entryFile, '--keyring', ring, '--run', run])
    expect(otherRun.exitCode).toBe(1)
    expect(otherRun.stdout).toMatch(/FAIL run +run.manifest_sha256: .*run.json hashes to/)

    writeFileSync(poolIndex, 'another pool\n')
    const otherPool = await runBench(['verify', entryFile, '--keyring', ring, '--pool-index', poolIndex])
    expect(otherPool.stdout).toMatch(/FAIL pool +data.pool_index_sha256: .*pool.uidx hashes to/)
  })

  it('submit refuses an incomplete eval, an unfinished run, and a run of another recipe', async () => {
    const dir = tempDir()
    const {run, evalFile} = writeDataCompRunFixture(dir)
    const keys = await runBenchJson<{private_key_file: string}>(['keys', 'generate', '--out', join(dir, 'keys')])
    const submit = (): Promise<{exitCode: number; stderr: string}> =>
      runBench(['submit', '--run', run, '--eval', evalFile, '--key', keys.json.private_key_file, '--out', join(dir, 'entry.json'), '--method', 'm'])

    const full = readFileSync(evalFile, 'utf8')
    writeFileSync(evalFile, full.split('\n').slice(1).join('\n'))
    const incomplete = await submit()
    expect(incomplete.exitCode).toBe(1)
    expect(incomplete.stderr).toMatch(/^error \[DCB_RESULTS_INCOMPLETE\]: .*37 main-metric tasks, expected exactly 38; missing: Caltech-101/)
    writeFileSync(evalFile, full)

    const runJson = join(run, 'run.json')
    const manifest = readFileSync(runJson, 'utf8')
    writeFileSync(runJson, manifest.replace('"exit_status": "complete"', '"exit_status": "stopped"'))
    expect((await submit()).stderr).toMatch(/^error \[DCB_RUN_INCOMPLETE\]: .*run.json: exit_status 'stopped'; only a complete run can be submitted/)

    writeFileSync(runJson, manifest.replace(/"recipe_hash": "[0-9a-f]+"/, `"recipe_hash": "${'0'.repeat(64)}"`))
    expect((await submit()).stderr).toMatch(/^error \[DCB_RECIPE_MISMATCH\]: .*recipe_hash 0000000000000000… is not the frozen recipe of datacomp small/)
    expect(() => readFileSync(join(dir, 'entry.json'))).toThrow()
  })
})
