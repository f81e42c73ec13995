import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {beforeAll, describe, expect, it} from 'vitest'

import {cpuImageInputs, ensureCpuImage, INPUTS_HASH_LABEL, type CpuImage} from '../../../src/runner/cpu-image.js'
import {checkOnnxReference} from '../../../src/runner/onnx-reference.js'
import {useTempDir} from '../../helpers/tmp.js'
import {writeDataCompTrainingData, writeDclmTrainingData, writeRecipe} from '../../helpers/training-data.js'
import {parseEvents, readJson, readMetrics, startDockerTrainer} from '../../helpers/trainer-run.js'

// The tiny trainers inside dcbench/train-cpu on the real Docker engine: read-only data, no network,
// the caller's uid; outputs and ONNX checked; `docker stop` (SIGTERM) then a second container resumes.
// .ci/run builds the image before the tests; ensureCpuImage builds it here when it is missing.

const tmp = useTempDir('dcbench-docker-trainers-')
let image: CpuImage

beforeAll(async () => {
  image = await ensureCpuImage()
}, 1_200_000)

describe('the CPU image', () => {
  it('is tagged by the inputs hash that cpu-image.ts computes, and build.sh agrees on it', async () => {
    const inputs = cpuImageInputs()
    expect(image.tag).toBe(inputs.tag)
    expect(image.imageId).toMatch(/^sha256:[0-9a-f]{64}$/)
    const {stdout: label} = await execa('docker', ['image', 'inspect', '-f', `{{index .Config.Labels "${INPUTS_HASH_LABEL}"}}`, image.tag])
    expect(label.trim()).toBe(inputs.inputsHash)
    const {stdout} = await execa('bash', ['containers/cpu/build.sh', '--print-tag'])
    expect(stdout.trim()).toBe(inputs.tag)
    // unchanged inputs: nothing to build
    expect(await ensureCpuImage()).toMatchObject({tag: image.tag, imageId: image.imageId, built: false})
  })

  it('has torch with OpenBLAS, PIL and regex, and no network', async () => {
    const code = 'import torch, numpy, PIL, regex, socket; print(torch.__version__); print(numpy.__version__)\ntry:\n    socket.create_connection(("deb.debian.org", 80), timeout=3); print("online")\nexcept OSError:\n    print("offline")'
    const {stdout} = await execa('docker', ['run', '--rm', '--network', 'none', image.tag, 'python3', '-c', code])
    expect(stdout).toMatch(/^1\.13/)
    expect(stdout.trim().split('\n').at(-1)).toBe('offline')
    const {stdout: blas} = await execa('docker', ['run', '--rm', '--network', 'none', image.tag, 'bash', '-c', 'readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3'])
    expect(blas).toContain('openblas')
  })
})

const cases = [
  {benchmark: 'datacomp', make: (dir: string) => writeDataCompTrainingData(dir, {count: 300, perShard: 100})},
  {benchmark: 'dclm', make: (dir: string) => writeDclmTrainingData(dir, {sequences: 60, seqLen: 128})},
] as const

describe.each(cases)('tiny $benchmark trainer in the CPU image', ({benchmark, make}) => {
  let data: string
  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), `dcbench-docker-data-${benchmark}-`))
    await make(data)
  })

  it('trains a few steps and exports ONNX that onnxruntime-node runs like torch', async () => {
    const out = tmp()
    await writeRecipe(out, benchmark)
    const result = await startDockerTrainer(image.tag, `dcbench-test-${benchmark}-${process.pid}`, data, out, {DCBENCH_MAX_STEPS: '2'}).process
    expect(result.exitCode, String(result.stderr)).toBe(0)
    expect(parseEvents(String(result.stdout)).map((e) => e.event)).toEqual(['start', 'step', 'step', 'checkpoint', 'export', 'done'])
    expect(readJson(join(out, 'final.json'))).toMatchObject({complete: false, steps: 2, attempts: 1})
    for (const c of await checkOnnxReference(join(out, 'model'))) expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-4)
  })

  it('stops on docker stop with a checkpoint (exit 143) and a new container resumes and finishes', async () => {
    const out = tmp()
    await writeRecipe(out, benchmark, {steps: 80, small: true})
    const name = `dcbench-test-stop-${benchmark}-${process.pid}`
    const first = startDockerTrainer(image.tag, name, data, out)
    await first.waitForStep(2)
    await execa('docker', ['stop', '-t', '30', name])
    expect((await first.process).exitCode).toBe(143)
    const stoppedAt = readMetrics(out).at(-1)?.step as number
    expect(stoppedAt).toBeGreaterThanOrEqual(2)
    expect(stoppedAt).toBeLessThan(80)

    const second = await startDockerTrainer(image.tag, `${name}-2`, data, out).process
    expect(second.exitCode, String(second.stderr)).toBe(0)
    expect(parseEvents(String(second.stdout))[0]).toMatchObject({event: 'start', resumed_from_step: stoppedAt})
    expect(readJson(join(out, 'final.json'))).toMatchObject({complete: true, steps: 80, attempts: 2})
    expect(readMetrics(out).map((m) => m.step)).toEqual(Array.from({length: 80}, (_, i) => i + 1))
  }, 300_000)
})
