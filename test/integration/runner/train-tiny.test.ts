import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {RunManifest} from '../../../src/contracts/run-manifest.js'
import {ensureCpuImage} from '../../../src/runner/cpu-image.js'
import {reshard} from '../../../src/runner/reshard/index.js'
import {train} from '../../../src/runner/train/index.js'
import {repoRoot} from '../../helpers/cli.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * The real tiny trainers (containers/trainers) through bench train: a synthetic pool → bench reshard →
 * a few steps in the CPU image (built by .ci/run; built here when missing) and on the host python3.
 */

const tempDir = useTempDir('dcbench-train-tiny-')
let root: string
let imageId: string
let clipData: string
let lmData: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-train-tiny-fixture-'))
  imageId = (await ensureCpuImage()).imageId
  const {uids} = await makeDataCompPool(join(root, 'clip-pool'), {perShard: 300})
  await writeSubsetNpy(join(root, 'clip.npy'), new Map(uids.map((u, i) => [u, i % 3 === 0 ? 2 : 1])))
  clipData = join(root, 'clip-data')
  await reshard({benchmark: 'datacomp', subsetFile: join(root, 'clip.npy'), poolDir: join(root, 'clip-pool'), outDir: clipData})
  const {ids} = await makeDclmPool(join(root, 'lm-pool'), 20_000)
  await writeSubsetNpy(join(root, 'lm.npy'), new Map(ids.map((u) => [u, 1])))
  lmData = join(root, 'lm-data')
  await reshard({benchmark: 'dclm', subsetFile: join(root, 'lm.npy'), poolDir: join(root, 'lm-pool'), outDir: lmData})
}, 1_800_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe('bench train with the tiny trainers', () => {
  it('trains tiny GPT in the CPU image; SIGTERM mid-way stops it, the same command resumes and stops at --max-steps', async () => {
    const run = join(tempDir(), 'run')
    const args = ['train', '--benchmark', 'dclm', '--scale', 'tiny', '--data', lmData, '--out', run, '--executor', 'docker', '--max-steps', '4', '--threads', '2']
    const child = execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], {reject: false, forceKillAfterDelay: false})
    const metrics = join(run, 'metrics.jsonl')
    for (let i = 0; i < 3000 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').trim() !== ''); i++) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGTERM')
    const stopped = await child
    expect(stopped.exitCode, String(stopped.stderr)).toBe(3)
    expect(String(stopped.stderr)).toMatch(/error \[DCB_TRAIN_INTERRUPTED\]/)
    expect((await execa('docker', ['ps', '-aq', '--filter', `label=ai.dcbench.run=${run}`])).stdout).toBe('')
    const stoppedAt = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).steps as number
    expect(stoppedAt).toBeGreaterThanOrEqual(1)

    const again = await execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args, '--json'], {reject: false})
    expect(again.exitCode, String(again.stderr)).toBe(0)
    expect(JSON.parse(String(again.stdout))).toMatchObject({executor: 'docker', exit_status: 'stopped_at_max_steps', steps: 4, resumed_from_step: stoppedAt, image_digest: imageId})
    const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
    expect(manifest.validation).toEqual({ok: true, problems: []})
    expect(readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4])
  }, 600_000)

  it('trains tiny CLIP in the CPU image and on the host python3; the outputs pass the checks', async () => {
    const docker = join(tempDir(), 'run')
    const a = await train({benchmark: 'datacomp', scale: 'tiny', dataDir: clipData, runDir: docker, executor: 'docker', maxSteps: 2, threads: 2})
    expect(a).toMatchObject({executor: 'docker', exit_status: 'stopped_at_max_steps', steps: 2, image_digest: imageId})
    const local = join(tempDir(), 'run')
    const b = await train({benchmark: 'datacomp', scale: 'tiny', dataDir: clipData, runDir: local, executor: 'local', maxSteps: 2, threads: 2})
    expect(b).toMatchObject({executor: 'local', exit_status: 'stopped_at_max_steps', steps: 2, image_digest: null})
    for (const run of [docker, local]) {
      const manifest = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
      expect(manifest.validation).toEqual({ok: true, problems: []})
      expect(() => RunManifest.parse(manifest)).not.toThrow()
    }
    // same data, seed and code: the two executors train the same model (up to BLAS rounding)
    const loss = (run: string): number[] => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loss)
    const [x, y] = [loss(docker), loss(local)]
    expect(x).toHaveLength(2)
    x.forEach((v, i) => expect(Math.abs(v - (y[i] as number)), `step ${i + 1}: ${v} vs ${y[i]}`).toBeLessThan(1e-3))
  }, 600_000)
})
