import {PassThrough} from 'node:stream'

import Docker from 'dockerode'

import {DcbError} from '../../errors.js'
import {containerUser, shareRunDir} from './container-user.js'
import {lineSplitter} from './lines.js'
import {CONTAINER_DATA, CONTAINER_OUT, type ExecutorOutcome, type ExecutorRun} from './types.js'

/**
 * The Docker executor (dockerode, so no docker CLI is needed): one container per attempt with the
 * data mounted read-only at /data, the run directory at /out, no network, the run's CPU and memory
 * limits, NVIDIA device requests for GPUs and `ai.dcbench.*` labels. The image is not trusted
 * (docs/security.md): the container runs without root (container-user.ts), without capabilities or
 * new privileges, under a PID limit, on a read-only root filesystem with a tmpfs at /tmp (its HOME).
 * Output is streamed line by line; the container is removed when the attempt ends, however it ends.
 */

/** Seconds `docker stop` waits after SIGTERM before SIGKILL: time for the trainer's checkpoint. */
const STOP_GRACE_SECONDS = 120

/**
 * Tasks (processes and threads) a training container may hold. A GPU node's trainer is about a
 * thousand at most — torchrun's ranks, each with data-loader workers, CUDA, NCCL and autograd threads
 * — so this leaves room and still stops a fork bomb long before the host's pid_max (32768 by default).
 */
export const CONTAINER_PIDS_LIMIT = 4096

let client: Docker | undefined
/** The engine client (DOCKER_HOST or the default socket). */
export function dockerClient(): Docker {
  client ??= new Docker()
  return client
}

/** The engine's version when it answers, else undefined. */
export async function dockerAvailable(docker: Docker = dockerClient()): Promise<string | undefined> {
  try {
    const version = (await Promise.race([docker.version(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000))])) as {Version?: string}
    return version.Version ?? 'unknown'
  } catch {
    return undefined
  }
}

/** The image id (`sha256:…`) of a local image, or undefined when the engine does not have it. */
export async function localImageId(image: string, docker: Docker = dockerClient()): Promise<string | undefined> {
  try {
    return ((await docker.getImage(image).inspect()) as {Id: string}).Id
  } catch {
    return undefined
  }
}

/** Containers carrying `label=value` (running or not). */
export async function containersWithLabel(label: string, value: string, docker: Docker = dockerClient()): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({all: true, filters: {label: [`${label}=${value}`]}})
}

export interface DockerRun extends ExecutorRun {
  /** Image tag or id. */
  image: string
}

/** A container's environment: the run's variables plus the contract's fixed paths (docs/containers.md). */
export function containerEnvironment(env: Record<string, string>): Record<string, string> {
  // USER: the uid may have no passwd entry in the image, and getpass.getuser() (torch, triton) asks for one without it.
  return {...env, DCBENCH_DATA: CONTAINER_DATA, DCBENCH_OUT: CONTAINER_OUT, DCBENCH_RECIPE: `${CONTAINER_OUT}/recipe.json`, HOME: '/tmp', USER: 'dcbench'}
}

/** The bind mounts of a container: data read-only at /data, the run folder at /out, and any extra ones. */
export function containerBinds(run: Pick<ExecutorRun, 'dataDir' | 'runDir' | 'extraBinds'>): string[] {
  return [`${run.dataDir}:${CONTAINER_DATA}:ro`, `${run.runDir}:${CONTAINER_OUT}:rw`, ...(run.extraBinds ?? [])]
}

export async function runInDocker(run: DockerRun, docker: Docker = dockerClient()): Promise<ExecutorOutcome> {
  const user = containerUser()
  await shareRunDir(run.runDir, user)
  const env = containerEnvironment(run.env)
  let container: Docker.Container
  try {
    container = await docker.createContainer({
      Image: run.image,
      Cmd: run.command,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      User: `${user.uid}:${user.gid}`,
      ...(run.workingDir === null ? {} : {WorkingDir: run.workingDir ?? '/tmp'}),
      Labels: run.labels,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        Binds: containerBinds(run),
        NetworkMode: 'none',
        Memory: run.memoryBytes,
        MemorySwap: run.memoryBytes,
        NanoCpus: Math.round(run.threads * 1e9),
        // PyTorch data loading and OpenMP use shared memory; Docker's default 64 MiB is too small.
        ShmSize: Math.min(run.memoryBytes, 1 << 30),
        // No trainer needs a capability (GPUs are set up by the NVIDIA runtime hook, outside), nor
        // setuid binaries, nor to write outside /out and /tmp.
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        PidsLimit: CONTAINER_PIDS_LIMIT,
        ReadonlyRootfs: true,
        // Owned by the container's user: Docker gives the tmpfs the mode of the image's /tmp, which
        // need not let that user write. Not noexec: triton loads the kernels it builds from HOME.
        Tmpfs: {'/tmp': `rw,nosuid,nodev,mode=1777,uid=${user.uid},gid=${user.gid}`},
        ...(run.gpus > 0 ? {DeviceRequests: [{Driver: 'nvidia', Count: run.gpus, Capabilities: [['gpu']]}]} : {}),
      },
    })
  } catch (error) {
    throw new DcbError('DCB_DOCKER', `cannot create the training container from ${run.image}: ${oneLine(error)}`)
  }

  const removeContainer = async (): Promise<void> => {
    await container.remove({force: true}).catch(() => {})
  }
  let stopped = false
  const onAbort = (): void => {
    stopped = true
    void container.stop({t: STOP_GRACE_SECONDS}).catch(() => {})
  }
  try {
    const stream = await container.attach({stream: true, stdout: true, stderr: true})
    const out = new PassThrough()
    const err = new PassThrough()
    const outLines = lineSplitter((line) => run.onLine(line, 'stdout'))
    const errLines = lineSplitter((line) => run.onLine(line, 'stderr'))
    out.on('data', (chunk: Buffer) => outLines.write(chunk))
    err.on('data', (chunk: Buffer) => errLines.write(chunk))
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', () => resolve())
    })
    docker.modem.demuxStream(stream, out, err)
    try {
      await container.start()
    } catch (error) {
      throw new DcbError('DCB_DOCKER', `cannot start the training container (${run.image}): ${oneLine(error)}`, {
        suggestions: run.gpus > 0 ? ['GPUs need the NVIDIA Container Toolkit (nvidia-ctk runtime configure --runtime=docker)'] : [],
      })
    }
    if (run.signal?.aborted) onAbort()
    run.signal?.addEventListener('abort', onAbort, {once: true})
    const waited = (await container.wait()) as {StatusCode: number}
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))])
    outLines.flush()
    errLines.flush()
    const state = ((await container.inspect()) as {State: {OOMKilled?: boolean; ExitCode?: number}}).State
    return {exitCode: state.ExitCode ?? waited.StatusCode, oomKilled: state.OOMKilled === true, stopped}
  } finally {
    run.signal?.removeEventListener('abort', onAbort)
    await removeContainer()
  }
}

function oneLine(error: unknown): string {
  const e = error as {json?: {message?: string}; message?: string}
  return String(e.json?.message ?? e.message ?? error).split('\n')[0] as string
}
