import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa, type ResultPromise} from 'execa'

import {packageRoot} from '../../src/util/paths.js'
import {referencePython} from './python.js'

/** One parsed `@dcbench ` line. */
export type TrainerEvent = {event: string} & Record<string, unknown>

/** The trainer package folder on the host (what --executor local puts on PYTHONPATH). */
export function trainersDir(): string {
  return join(packageRoot(), 'containers/trainers')
}

export function parseEvents(stdout: string): TrainerEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('@dcbench '))
    .map((l) => JSON.parse(l.slice('@dcbench '.length)) as TrainerEvent)
}

export interface TrainerProcess {
  process: ResultPromise
  /** Resolves with the first `step` event whose step ≥ n. */
  waitForStep(n: number): Promise<void>
}

function watch(child: ResultPromise): TrainerProcess {
  const waiters: {n: number; resolve: () => void}[] = []
  let buffer = ''
  let last = 0
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.startsWith('@dcbench ')) continue
      const event = JSON.parse(line.slice(9)) as TrainerEvent
      if (event.event === 'step') last = event.step as number
      for (const w of waiters.splice(0)) {
        if (last >= w.n) w.resolve()
        else waiters.push(w)
      }
    }
  })
  return {
    process: child,
    waitForStep: (n) => (last >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({n, resolve}))),
  }
}

/** Starts the tiny trainer with the host's python3 (as --executor local would). */
export async function startHostTrainer(data: string, out: string, extraEnv: Record<string, string> = {}): Promise<TrainerProcess> {
  const python = await referencePython()
  const child = execa(python, ['-m', 'dcbench_trainers'], {
    reject: false,
    timeout: 600_000,
    env: {PYTHONPATH: trainersDir(), DCBENCH_DATA: data, DCBENCH_OUT: out, DCBENCH_RECIPE: join(out, 'recipe.json'), DCBENCH_THREADS: '1', DCBENCH_GPUS: '0', ...extraEnv},
  })
  return watch(child)
}

/** Starts the tiny trainer in the CPU image, as the docker executor would (read-only /data, no network). */
export function startDockerTrainer(image: string, name: string, data: string, out: string, extraEnv: Record<string, string> = {}): TrainerProcess {
  const uid = process.getuid?.() ?? 0
  const gid = process.getgid?.() ?? 0
  const env = {DCBENCH_DATA: '/data', DCBENCH_OUT: '/out', DCBENCH_RECIPE: '/out/recipe.json', DCBENCH_THREADS: '1', DCBENCH_GPUS: '0', ...extraEnv}
  const child = execa(
    'docker',
    [
      'run', '--rm', '--name', name, '--network', 'none', '--user', `${uid}:${gid}`, '--cpus', '1', '--memory', '2g',
      '-v', `${data}:/data:ro`, '-v', `${out}:/out`, '--label', 'ai.dcbench.test=trainers',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      image,
    ],
    {reject: false, timeout: 600_000},
  )
  return watch(child)
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

export function readMetrics(out: string): Record<string, number>[] {
  const file = join(out, 'metrics.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, number>)
}
