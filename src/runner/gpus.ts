import {execa} from 'execa'

import {DcbError} from '../errors.js'

/**
 * The NVIDIA GPUs this machine shows (`nvidia-smi -L`, one `GPU n: …` line each), or the reason none
 * can be seen. The Docker executor hands GPUs to a container by NVIDIA device request, so a machine
 * without nvidia-smi has none to give.
 */
export async function hostGpus(): Promise<{count: number; detail: string}> {
  const result = await execa('nvidia-smi', ['-L'], {reject: false, timeout: 20_000})
  if (result.failed && (result as {code?: string}).code === 'ENOENT') return {count: 0, detail: 'nvidia-smi not found'}
  if (result.exitCode !== 0) return {count: 0, detail: `nvidia-smi -L exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`}
  const count = result.stdout.split('\n').filter((line) => /^GPU \d+:/.test(line)).length
  return {count, detail: `nvidia-smi -L lists ${count} GPU${count === 1 ? '' : 's'}`}
}

/** Refuses a run that asks for more GPUs than the machine shows, with one line saying what it found. */
export async function requireGpus(wanted: number, what: string): Promise<void> {
  const found = await hostGpus()
  if (found.count >= wanted) return
  throw new DcbError('DCB_NO_GPU', `${what} trains on ${wanted} GPU${wanted === 1 ? '' : 's'}, but this machine shows ${found.count} (${found.detail})`, {
    suggestions: ['run it on a GPU machine (NVIDIA driver + Container Toolkit), pass --gpus N for the GPUs it has, or check the plan here with --dry-run and the upstream code on CPU with --smoke'],
  })
}
