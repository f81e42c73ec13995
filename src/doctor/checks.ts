import {statfs} from 'node:fs/promises'

import Docker from 'dockerode'
import {execa} from 'execa'

import {DOCKER_FIX, dockerEndpoint} from '../runner/executors/docker.js'
import {findHostPython} from '../runner/host-python.js'
import {pythonFixHint} from './python-hint.js'

/** ok: ready; missing: absent or broken, with how to fix it; info: optional and absent (e.g. no GPU on a CPU machine). */
export type CheckStatus = 'ok' | 'missing' | 'info'

export interface CheckResult {
  name: string
  status: CheckStatus
  /** What was found (version, path, size…). */
  detail: string
  /** How to fix it, when not ok. */
  fix?: string
  /** A required check that is missing makes `bench doctor` exit 1. */
  required: boolean
}

export const MIN_NODE = [20, 9] as const
export const MIN_FREE_DISK_GB = 10

export function checkNode(version: string = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
  return {
    name: 'node',
    status: ok ? 'ok' : 'missing',
    detail: `v${version}`,
    fix: ok ? undefined : `install Node.js ${MIN_NODE.join('.')} or newer`,
    required: true,
  }
}

export async function checkDocker(docker: Docker = new Docker()): Promise<CheckResult> {
  try {
    const version = await docker.version()
    return {name: 'docker', status: 'ok', detail: `engine ${version.Version}, API ${version.ApiVersion}`, required: false}
  } catch (error) {
    return {
      name: 'docker',
      status: 'missing',
      detail: `does not answer at ${dockerEndpoint()} (${(error as Error).message.split('\n')[0]})`,
      fix: DOCKER_FIX,
      required: false,
    }
  }
}

export async function checkGpus(): Promise<CheckResult> {
  try {
    const {stdout} = await execa('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], {timeout: 30_000})
    const gpus = stdout.split('\n').filter((l) => l.trim() !== '')
    return {name: 'gpu', status: 'ok', detail: `${gpus.length} NVIDIA GPU(s): ${gpus.join('; ')}`, required: false}
  } catch {
    return {
      name: 'gpu',
      status: 'info',
      detail: 'no NVIDIA GPU (nvidia-smi not found or failed); official scales need GPUs, tiny runs on CPU',
      fix: 'install the NVIDIA driver and nvidia-container-toolkit for GPU training',
      required: false,
    }
  }
}

export async function checkPython(): Promise<CheckResult> {
  const python = await findHostPython()
  if (python?.torch && python.numpy) {
    return {name: 'python', status: 'ok', detail: `${pythonName(python)} ${python.version}, torch ${python.torch}, numpy ${python.numpy}`, required: false}
  }
  return {
    name: 'python',
    status: 'missing',
    detail: python ? `${pythonName(python)} ${python.version} without ${python.torch ? 'numpy' : 'torch'}` : 'no python3 found',
    fix: pythonFixHint(python),
    required: false,
  }
}

/** The interpreter as found and, when they differ, the file it runs (`python3 (/usr/bin/python3)`). */
function pythonName(python: {path: string; executable?: string}): string {
  return python.executable && python.executable !== python.path ? `${python.path} (${python.executable})` : python.path
}

export async function checkDisk(dir: string = process.cwd()): Promise<CheckResult> {
  const stats = await statfs(dir)
  const freeGb = (stats.bavail * stats.bsize) / 1e9
  const ok = freeGb >= MIN_FREE_DISK_GB
  return {
    name: 'disk',
    status: ok ? 'ok' : 'missing',
    detail: `${freeGb.toFixed(1)} GB free in ${dir}`,
    fix: ok ? undefined : `free at least ${MIN_FREE_DISK_GB} GB for pools, shards and runs`,
    required: true,
  }
}

/** Every check, in display order. */
export async function runChecks(options: {dir?: string} = {}): Promise<CheckResult[]> {
  return [checkNode(), await checkDocker(), await checkGpus(), await checkPython(), await checkDisk(options.dir)]
}
