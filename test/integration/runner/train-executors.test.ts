import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RunManifest} from '../../../src/contracts/run-manifest.js'
import {ROOT_MAPPED_USER} from '../../../src/runner/executors/container-user.js'
import {reshard} from '../../../src/runner/reshard/index.js'
import {train} from '../../../src/runner/train/index.js'
import {dataComp, dclm} from '../../../src/benchmarks/builtins.js'
import {recipeOf} from '../../../src/tracks/index.js'
import {repoRoot, runBench} from '../../helpers/cli.js'
import {fakeTrainerImage, fakeTrainersDir} from '../../helpers/fake-trainer.js'
import {useTempDir} from '../../helpers/tmp.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'

/**
 * The executors' mechanics on the real Docker engine and the host python3, with a fake trainer that
 * honours the contract without training (test/fixtures/fake-trainer): mounts, limits, labels, logs,
 * progress, resume, SIGTERM, failures, and run.json.
 */

const tempDir = useTempDir('dcbench-train-')
let root: string
let image: string
let trainersDir: string
let clipData: string
let lmData: string

async function containersOf(run: string): Promise<string> {
  return (await execa('docker', ['ps', '-aq', '--filter', `label=ai.dcbench.run=${run}`])).stdout.trim()
}

function startProbe(run: string): {data_read_only: boolean; interfaces: string[]; uid: number; gid: number} {
  const line = readFileSync(join(run, 'logs/train.log'), 'utf8').split('\n').find((l) => l.startsWith('@dcbench {"event": "start"'))
  return JSON.parse((line as string).slice('@dcbench '.length)).probe
}

/** A copy of training data with a fake-behaviour.json for the fake trainer. */
function dataWith(base: string, behaviour: object): string {
  const dir = join(tempDir(), 'data')
  cpSync(base, dir, {recursive: true})
  writeFileSync(join(dir, 'fake-behaviour.json'), JSON.stringify(behaviour))
  return dir
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-train-fixture-'))
  ;[image, trainersDir] = await Promise.all([fakeTrainerImage(), fakeTrainersDir()])
  const {uids} = await makeDataCompPool(join(root, 'clip-pool'), {perShard: 40})
  await writeSubsetNpy(join(root, 'clip.npy'), new Map(uids.map((u) => [u, 1])))
  clipData = join(root, 'clip-data')
  await reshard({benchmark: 'datacomp', subsetFile: join(root, 'clip.npy'), poolDir: join(root, 'clip-pool'), outDir: clipData})
  const {ids} = await makeDclmPool(join(root, 'lm-pool'), 8000)
  await writeSubsetNpy(join(root, 'lm.npy'), new Map(ids.map((u) => [u, 1])))
  lmData = join(root, 'lm-data')
  await reshard({benchmark: 'dclm', subsetFile: join(root, 'lm.npy'), poolDir: join(root, 'lm-pool'), outDir: lmData})
}, 300_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe('bench train, docker executor', () => {
  it('runs the trainer isolated (read-only data, no network, caller uid or a non-root one), records run.json, resumes to the end, then does nothing', async () => {
    const run = join(tempDir(), 'run')
    const steps: number[] = []
    const first = await train({benchmark: 'datacomp', scale: 'tiny', dataDir: clipData, runDir: run, executor: 'docker', image, maxSteps: 5, threads: 1, onProgress: (e) => e.step !== undefined && steps.push(e.step)})
    expect(first).toMatchObject({executor: 'docker', exit_status: 'stopped_at_max_steps', steps: 5, already_complete: false})
    expect(steps).toContain(5)
    const probe = startProbe(run)
    expect(probe.data_read_only).toBe(true)
    expect(probe.interfaces).toEqual(['lo'])
    // as root, bench runs the container as ROOT_MAPPED_USER (hostile-trainer.test.ts tests the rest of the sandbox)
    const user = process.getuid?.() === 0 ? [ROOT_MAPPED_USER.uid, ROOT_MAPPED_USER.gid] : [process.getuid?.(), process.getgid?.()]
    expect([probe.uid, probe.gid]).toEqual(user)
    expect(await containersOf(run)).toBe('')

    const recipe = recipeOf(dataComp, 'tiny')
    const second = await train({benchmark: 'datacomp', scale: 'tiny', dataDir: clipData, runDir: run, executor: 'docker', image, threads: 1})
    expect(second).toMatchObject({exit_status: 'complete', steps: recipe.derived.steps, steps_total: recipe.derived.steps, resumed_from_step: 5})
    const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
    const facts = RunManifest.parse(manifest)
    const subset = JSON.parse(readFileSync(join(clipData, 'manifest.json'), 'utf8')).subset
    expect(facts).toMatchObject({benchmark: 'datacomp', scale: 'tiny', track: 'filtering', recipe_hash: recipe.hash, subset_fingerprint: subset.fingerprint, subset_size: 40, executor: 'docker', exit_status: 'complete'})
    expect(facts.image_digest).toBe((await execa('docker', ['image', 'inspect', '-f', '{{.Id}}', image])).stdout)
    expect(manifest.attempts.map((a: {exit_code: number; resumed_from_step: number}) => [a.exit_code, a.resumed_from_step])).toEqual([[0, 0], [0, 5]])
    expect(JSON.parse(readFileSync(join(run, 'recipe.json'), 'utf8'))).toMatchObject({format: 'dcbench.recipe/1', recipe_hash: recipe.hash, derived: recipe.derived})
    expect(readFileSync(join(run, 'logs/train.log'), 'utf8')).toMatch(/# dcbench: attempt 2 \(docker/)

    const third = await train({benchmark: 'datacomp', scale: 'tiny', dataDir: clipData, runDir: run, executor: 'docker', image})
    expect(third.already_complete).toBe(true)
  }, 120_000)

  it('reports a crash, an OOM kill and invalid outputs in one line each, and leaves no container', async () => {
    const crashRun = join(tempDir(), 'run')
    await expect(train({benchmark: 'datacomp', scale: 'tiny', dataDir: dataWith(clipData, {crash: 'CUDA is on fire'}), runDir: crashRun, executor: 'docker', image}))
      .rejects.toMatchObject({code: 'DCB_TRAIN_FAILED', exitCode: 3, message: expect.stringMatching(/: the trainer exited with code 1: fake trainer: CUDA is on fire$/)})
    expect(JSON.parse(readFileSync(join(crashRun, 'run.json'), 'utf8')).exit_status).toBe('failed')

    const oomRun = join(tempDir(), 'run')
    await expect(train({benchmark: 'datacomp', scale: 'tiny', dataDir: dataWith(clipData, {oom: true}), runDir: oomRun, executor: 'docker', image, memoryBytes: 96 << 20}))
      .rejects.toMatchObject({code: 'DCB_TRAIN_OOM', message: expect.stringMatching(/OOM killer \(limit 0\.1 GiB\)/)})
    expect(await containersOf(oomRun)).toBe('')

    const badRun = join(tempDir(), 'run')
    await expect(train({benchmark: 'datacomp', scale: 'tiny', dataDir: dataWith(clipData, {bad_model: true}), runDir: badRun, executor: 'docker', image, maxSteps: 2}))
      .rejects.toMatchObject({code: 'DCB_TRAIN_OUTPUTS', exitCode: 1, message: expect.stringMatching(/model\/text_encoder\.onnx: missing; .*model\.json names it$/)})
    expect(JSON.parse(readFileSync(join(badRun, 'run.json'), 'utf8')).exit_status).toBe('invalid_outputs')
  }, 120_000)

  it('SIGTERM to bench train stops and removes the container; the same command resumes from the checkpoint', async () => {
    const data = dataWith(clipData, {step_seconds: 0.1})
    const run = join(tempDir(), 'run')
    const args = ['train', '--benchmark', 'datacomp', '--scale', 'tiny', '--data', data, '--out', run, '--executor', 'docker', '--image', image, '--max-steps', '30', '--threads', '1']
    const child = execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], {reject: false, forceKillAfterDelay: false})
    const metrics = join(run, 'metrics.jsonl')
    for (let i = 0; i < 600 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').split('\n').length > 5); i++) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGTERM')
    const stopped = await child
    expect(stopped.exitCode).toBe(3)
    expect(String(stopped.stderr)).toMatch(/^error \[DCB_TRAIN_INTERRUPTED\]: .*training stopped at step \d+\/250; the trainer saved a checkpoint$/m)
    expect(await containersOf(run)).toBe('')
    const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
    expect(manifest.exit_status).toBe('interrupted')
    const stoppedAt = manifest.steps as number
    expect(stoppedAt).toBeGreaterThanOrEqual(5)
    expect(stoppedAt).toBeLessThan(30)

    const again = await execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args, '--json'], {reject: false})
    expect(again.exitCode, String(again.stderr)).toBe(0)
    expect(JSON.parse(String(again.stdout))).toMatchObject({exit_status: 'stopped_at_max_steps', steps: 30, resumed_from_step: stoppedAt})
    const rows = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number)
    expect(rows).toEqual(Array.from({length: 30}, (_, i) => i + 1))
  }, 120_000)
})

describe('bench train, local executor', () => {
  it('runs the same contract with the host python3 and host paths', async () => {
    const run = join(tempDir(), 'run')
    const recipe = recipeOf(dclm, 'tiny')
    const result = await train({benchmark: 'dclm', scale: 'tiny', dataDir: lmData, runDir: run, executor: 'local', trainersDir, threads: 1})
    expect(result).toMatchObject({executor: 'local', image_digest: null, exit_status: 'complete', steps: recipe.derived.steps})
    const facts = RunManifest.parse(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')))
    expect(facts).toMatchObject({benchmark: 'dclm', executor: 'local', image_digest: null, exit_status: 'complete'})
    expect(startProbe(run).data_read_only).toBe(false)
  }, 120_000)

  it('takes --set as bench tracks show checks it: the split recorded, the recipe hash unchanged, anything else refused', async () => {
    const run = join(tempDir(), 'run')
    const recipe = recipeOf(dclm, 'tiny')
    const options = {benchmark: 'dclm', scale: 'tiny', dataDir: lmData, runDir: run, executor: 'local' as const, trainersDir, threads: 1, maxSteps: 1}
    await train({...options, set: {grad_accum: '2'}})
    const manifest = RunManifest.parse(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')))
    expect(manifest.recipe_hash).toBe(recipe.hash)
    expect(manifest.infra).toEqual({gpus_per_node: 1, nodes: 1, per_device_batch_size: recipe.recipe.global_batch_size / 2, grad_accum: 2, global_batch_size: recipe.recipe.global_batch_size})
    expect(JSON.parse(readFileSync(join(run, 'recipe.json'), 'utf8'))).toMatchObject({recipe_hash: recipe.hash, infra: manifest.infra})

    const other = {...options, runDir: join(tempDir(), 'other')}
    await expect(train({...other, set: {lr: '1'}})).rejects.toMatchObject({code: 'DCB_FROZEN_FIELD', message: expect.stringMatching(/^lr is frozen by the dclm tiny recipe/)})
    await expect(train({...other, set: {nodes: '2'}})).rejects.toMatchObject({code: 'DCB_USAGE', message: expect.stringMatching(/a split over several nodes needs a cluster executor/)})
    await expect(train({...other, gpus: 2, set: {gpus_per_node: '4'}})).rejects.toMatchObject({code: 'DCB_USAGE', message: expect.stringMatching(/--gpus 2 and --set gpus_per_node=4 disagree/)})
    const cli = await runBench(['train', '--benchmark', 'dclm', '--scale', 'tiny', '--data', lmData, '--out', other.runDir, '--set', 'per_device_batch_size=3'])
    expect(cli.exitCode).toBe(2)
    expect(cli.stderr).toMatch(/^error \[DCB_GLOBAL_BATCH\]: .*does not make the frozen global batch/)
    expect(existsSync(other.runDir)).toBe(false)
  }, 120_000)

  it('refuses data of the wrong benchmark and a run folder of another run', async () => {
    const run = join(tempDir(), 'run')
    await expect(train({benchmark: 'dclm', scale: 'tiny', dataDir: clipData, runDir: run, executor: 'local', trainersDir}))
      .rejects.toMatchObject({code: 'DCB_TRAIN_DATA', message: expect.stringMatching(/no tokenized\.json, so not dclm training data/)})
    await train({benchmark: 'dclm', scale: 'tiny', dataDir: lmData, runDir: run, executor: 'local', trainersDir, maxSteps: 1})
    await expect(train({benchmark: 'datacomp', scale: 'tiny', dataDir: clipData, runDir: run, executor: 'local', trainersDir}))
      .rejects.toMatchObject({code: 'DCB_RUN_DIR', message: expect.stringMatching(/holds a run of dclm tiny/)})
  }, 120_000)
})
