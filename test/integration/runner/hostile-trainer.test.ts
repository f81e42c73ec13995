import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {reshard} from '../../../src/runner/reshard/index.js'
import {train, type TrainOptions} from '../../../src/runner/train/index.js'
import {runBench} from '../../helpers/cli.js'
import {fakeTrainerImage} from '../../helpers/fake-trainer.js'
import {makeDataCompPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * A hostile trainer image on the real Docker engine (the fake trainer of test/fixtures/fake-trainer
 * with its hostile behaviours): what the container lets it do (docs/containers.md, "What the
 * container may do") and what the harness refuses to read or append to when the trainer leaves links
 * or FIFOs in the run folder ("What the harness checks after a run").
 */

const tempDir = useTempDir('dcbench-hostile-')
/** docs/containers.md: the uid:gid a container runs as when bench runs as root, and the PID limit. */
const ROOT_MAPPED = [65532, 65532]
const PIDS_LIMIT = 4096
const ZERO_CAPS = '0000000000000000'
const asRoot = process.getuid?.() === 0

let root: string
let image: string
let clipData: string
/** Files of a genuine 2-step run, outside any run folder: what a hostile trainer points its links at. */
let genuine: string

/** A copy of the training data with a fake-behaviour.json for the fake trainer. */
function dataWith(behaviour: object): string {
  const dir = join(tempDir(), 'data')
  cpSync(clipData, dir, {recursive: true})
  writeFileSync(join(dir, 'fake-behaviour.json'), JSON.stringify(behaviour))
  return dir
}

/** A docker run of 2 steps on `data`, collecting the trainer's output lines. */
function options(data: string, runDir: string, lines: string[] = []): TrainOptions {
  return {benchmark: 'datacomp', scale: 'tiny', dataDir: data, runDir, executor: 'docker', image, threads: 1, maxSteps: 2, onLog: (line) => lines.push(line)}
}

function eventOf(lines: string[], event: string): Record<string, unknown> {
  const line = lines.find((l) => l.startsWith(`@dcbench {"event": "${event}"`))
  if (!line) throw new Error(`no ${event} event in the trainer's output:\n${lines.join('\n')}`)
  return JSON.parse(line.slice('@dcbench '.length)) as Record<string, unknown>
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dcbench-hostile-fixture-'))
  image = await fakeTrainerImage()
  const {uids} = await makeDataCompPool(join(root, 'clip-pool'), {perShard: 40})
  await writeSubsetNpy(join(root, 'clip.npy'), new Map(uids.map((u) => [u, 1])))
  clipData = join(root, 'clip-data')
  await reshard({benchmark: 'datacomp', subsetFile: join(root, 'clip.npy'), poolDir: join(root, 'clip-pool'), outDir: clipData})
  const run = join(root, 'genuine-run')
  await train(options(clipData, run))
  genuine = join(root, 'genuine')
  mkdirSync(genuine)
  for (const name of ['final.json', 'metrics.jsonl', 'model', 'run.json']) cpSync(join(run, name), join(genuine, name), {recursive: true})
}, 300_000)

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe('what a trainer container may do', () => {
  it('runs without root, capabilities or new privileges, on a read-only root filesystem with /tmp (its HOME) writable', async () => {
    const lines: string[] = []
    const result = await train({...options(dataWith({probe_sandbox: true}), join(tempDir(), 'run'), lines), maxSteps: 1})
    expect(result.exit_status).toBe('stopped_at_max_steps')
    const probe = (eventOf(lines, 'start').probe ?? {}) as {uid: number; gid: number; sandbox: Record<string, unknown>}
    expect([probe.uid, probe.gid]).toEqual(asRoot ? ROOT_MAPPED : [process.getuid?.(), process.getgid?.()])
    expect(probe.sandbox).toEqual({
      status: {CapInh: ZERO_CAPS, CapPrm: ZERO_CAPS, CapEff: ZERO_CAPS, CapBnd: ZERO_CAPS, CapAmb: ZERO_CAPS, NoNewPrivs: '1'},
      setuid0: 'EPERM',
      home: '/tmp',
      writes: {
        '/usr/.dcbench-probe': 'EROFS',
        '/etc/.dcbench-probe': 'EROFS',
        '/.dcbench-probe': 'EROFS',
        '/data/.dcbench-probe': 'EROFS',
        '/tmp/.dcbench-probe': 'ok',
        '/tmp/.dcbench-home-probe': 'ok',
        '/out/.dcbench-probe': 'ok',
      },
    })
  })

  it('cannot fork past the PID limit', async () => {
    const lines: string[] = []
    await train({...options(dataWith({fork_bomb: 6000}), join(tempDir(), 'run'), lines), maxSteps: 1})
    const bomb = ((eventOf(lines, 'start').probe ?? {}) as {fork_bomb: {forks: number; error: string | null}}).fork_bomb
    expect(bomb.error).toBe('EAGAIN')
    expect(bomb.forks).toBeGreaterThan(100)
    expect(bomb.forks).toBeLessThan(PIDS_LIMIT)
  })
})

describe('links and FIFOs a trainer leaves in the run folder', () => {
  it('a link at logs/train.log or logs/ is refused on resume; the host file it points at is never appended to', async () => {
    const outside = tempDir()
    const victim = join(outside, 'victim.txt')
    writeFileSync(victim, 'untouched\n')
    const run = join(tempDir(), 'run')
    const data = dataWith({plant: {'logs/train.log': {symlink: victim}}})
    const lines: string[] = []
    await train(options(data, run, lines))
    // Under a root bench, logs/ stays root's, so the container cannot replace the log; with the
    // caller's uid it can. Make by hand what such a trainer leaves where this one could not.
    const planted = (eventOf(lines, 'planted').results as Record<string, string>)['logs/train.log']
    expect(planted).toBe(asRoot ? 'EACCES' : 'ok')
    if (planted !== 'ok') {
      rmSync(join(run, 'logs/train.log'))
      symlinkSync(victim, join(run, 'logs/train.log'))
    }
    await expect(train({...options(data, run), maxSteps: 3})).rejects.toMatchObject({
      code: 'DCB_RUN_PLANTED', exitCode: 2, message: expect.stringMatching(/logs\/train\.log: a symbolic link \(to .*victim\.txt\)/),
    })
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n')

    rmSync(join(run, 'logs'), {recursive: true})
    symlinkSync(outside, join(run, 'logs'))
    await expect(train({...options(data, run), maxSteps: 3})).rejects.toMatchObject({code: 'DCB_RUN_PLANTED', message: expect.stringMatching(/\/logs: a symbolic link/)})
    expect(readdirSync(outside)).toEqual(['victim.txt'])
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n')
  })

  it.each(['final.json', 'metrics.jsonl', 'model', 'model/model.json'])('a link at %s to a valid file outside the run folder fails the post-run checks', async (name) => {
    const run = join(tempDir(), 'run')
    const lines: string[] = []
    await expect(train(options(dataWith({plant: {[name]: {symlink: join(genuine, name)}}}), run, lines))).rejects.toMatchObject({
      code: 'DCB_TRAIN_OUTPUTS', exitCode: 1, message: expect.stringContaining(`${join(run, name)}: a symbolic link (to ${join(genuine, name)})`),
    })
    expect((eventOf(lines, 'planted').results as Record<string, string>)[name]).toBe('ok')
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).exit_status).toBe('invalid_outputs')
  })

  it('a model.json naming a graph outside its folder fails the post-run checks', async () => {
    const run = join(tempDir(), 'run')
    const text = relative(join(run, 'model'), join(genuine, 'model/text_encoder.onnx'))
    await expect(train(options(dataWith({model_json: {onnx: {image: 'image_encoder.onnx', text}}}), run))).rejects.toMatchObject({
      code: 'DCB_TRAIN_OUTPUTS', message: expect.stringMatching(/model\.json: onnx\.text: .*not a file name inside the model folder/),
    })
  })

  it('a FIFO at final.json is refused, not waited on', async () => {
    const run = join(tempDir(), 'run')
    const data = dataWith({plant: {'final.json': {fifo: true}}})
    const args = ['train', '--benchmark', 'datacomp', '--scale', 'tiny', '--data', data, '--out', run, '--executor', 'docker', '--image', image, '--max-steps', '2', '--threads', '1']
    const result = await runBench(args, {timeout: 90_000})
    expect(result.exitCode, result.stderr).toBe(1)
    expect(result.stderr).toMatch(/^error \[DCB_TRAIN_OUTPUTS\]: .*final\.json: not a regular file \(a FIFO\)/m)
  })

  it('a run.json replaced by a link (a trainer outliving a killed bench) is refused on resume', async () => {
    const run = join(tempDir(), 'run')
    await train(options(clipData, run))
    rmSync(join(run, 'run.json'))
    symlinkSync(join(genuine, 'run.json'), join(run, 'run.json'))
    await expect(train({...options(clipData, run), maxSteps: 3})).rejects.toMatchObject({code: 'DCB_RUN_PLANTED', message: expect.stringMatching(/run\.json: a symbolic link/)})
  })
})
