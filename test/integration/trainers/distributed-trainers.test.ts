import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {referencePython} from '../../helpers/python.js'
import {useTempDir} from '../../helpers/tmp.js'
import {parseEvents, readJson, readMetrics, startHostTrainer, trainersDir} from '../../helpers/trainer-run.js'
import {writeDataCompTrainingData, writeDclmTrainingData, writeRecipe} from '../../helpers/training-data.js'

// The tiny trainers over several processes (torch.distributed, gloo on CPU) started by
// dcbench_trainers.launch as the SLURM executor starts them on each node: the global batch is split
// over the ranks, so 1 and 2 processes train on the same batches in the same order and their per-step
// losses agree within 1e-4 relative; rank 0 alone prints events and writes the run's files.

const tmp = useTempDir('dcbench-dist-')
const STEPS = 4

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as {port: number}).port
      server.close(() => resolve(port))
    })
  })
}

const cases = [
  {benchmark: 'datacomp', make: (dir: string) => writeDataCompTrainingData(dir, {count: 200, perShard: 100})},
  {benchmark: 'dclm', make: (dir: string) => writeDclmTrainingData(dir, {sequences: 64, seqLen: 128, perShard: 32})},
] as const

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-dist-data-'))
})
afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe.each(cases)('tiny $benchmark trainer on 2 processes', ({benchmark, make}) => {
  it('trains the same global batches as 1 process: per-step losses within 1e-4 relative; rank 0 writes', async () => {
    const data = join(root, benchmark)
    await make(data)
    const single = tmp()
    await writeRecipe(single, benchmark, {small: true, steps: 8})
    const one = await startHostTrainer(data, single, {DCBENCH_MAX_STEPS: String(STEPS)})
    const oneResult = await one.process
    expect(oneResult.exitCode, String(oneResult.stderr)).toBe(0)

    const two = tmp()
    await writeRecipe(two, benchmark, {small: true, steps: 8})
    const python = await referencePython()
    const port = await freePort()
    const launched = await execa(python, ['-m', 'dcbench_trainers.launch', '--nnodes=1', '--nproc_per_node=2', '--node_rank=0', '--master_addr=127.0.0.1', `--master_port=${port}`, '-m', 'dcbench_trainers'], {
      reject: false,
      timeout: 600_000,
      env: {PYTHONPATH: trainersDir(), DCBENCH_DATA: data, DCBENCH_OUT: two, DCBENCH_RECIPE: join(two, 'recipe.json'), DCBENCH_THREADS: '1', DCBENCH_GPUS: '0', DCBENCH_MAX_STEPS: String(STEPS)},
    })
    expect(launched.exitCode, String(launched.stderr)).toBe(0)
    // one rank's events only
    const events = parseEvents(String(launched.stdout))
    expect(events.filter((e) => e.event === 'start')).toEqual([expect.objectContaining({processes: 2})])
    expect(events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4])

    const a = readMetrics(single)
    const b = readMetrics(two)
    expect(b.map((m) => m.step)).toEqual(a.map((m) => m.step))
    const countKey = benchmark === 'datacomp' ? 'samples_seen' : 'tokens_seen'
    expect(b.map((m) => m[countKey])).toEqual(a.map((m) => m[countKey]))
    for (const [i, m] of a.entries()) {
      const other = b[i]?.loss as number
      expect(Math.abs(other - (m.loss as number)) / Math.abs(m.loss as number), `step ${m.step}: ${m.loss} vs ${other}`).toBeLessThanOrEqual(1e-4)
    }
    expect(readJson(join(two, 'final.json'))).toMatchObject({steps: STEPS, complete: false})
    expect(readdirSync(join(two, 'checkpoints'))).toEqual([`step_${String(STEPS).padStart(8, '0')}.pt`])
    expect(readdirSync(join(two, 'model')).sort()).toEqual(readdirSync(join(single, 'model')).sort())
  })
})
