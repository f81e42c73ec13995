import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {delimiter, join} from 'node:path'

import {DcbError} from '../errors.js'
import {dockerAvailable} from '../runner/executors/docker.js'
import {findHostPython} from '../runner/host-python.js'
import {packageRoot} from '../util/paths.js'
import {DOCKERD_LOG, formatCommand, type FixPlan, type FixSituation, type FixTarget} from './fix-plan.js'

/**
 * `bench doctor --fix`, the side-effecting half: reads this machine into a FixSituation (fix-plan.ts
 * decides), and runs a plan's commands one by one, each announced before it starts.
 */

/** How long a freshly started dockerd gets to answer. */
const DOCKER_START_SECONDS = 60

/** Reads /etc/os-release (KEY=value lines, values optionally quoted); absent → empty. */
export async function readOsRelease(file = '/etc/os-release'): Promise<FixSituation['os']> {
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return {id: '', idLike: [], name: ''}
  }
  const values = new Map<string, string>()
  for (const line of text.split('\n').slice(0, 200)) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (match) values.set(match[1]!, match[2]!.replace(/^(["'])(.*)\1$/, '$2'))
  }
  return {id: values.get('ID') ?? '', idLike: (values.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean), name: values.get('PRETTY_NAME') ?? values.get('ID') ?? ''}
}

/** The Debian packages the local trainer needs: the CPU image's list (containers/cpu/packages.txt), one source for both. */
export async function trainerPackages(): Promise<string[]> {
  const text = await readFile(join(packageRoot(), 'containers/cpu/packages.txt'), 'utf8')
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

function onPath(name: string, extra: string[] = []): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extra].filter(Boolean)
  return dirs.some((dir) => existsSync(join(dir, name)))
}

/** This machine as planFix sees it. */
export async function readSituation(target: FixTarget): Promise<FixSituation> {
  const [os, python, docker, packages] = await Promise.all([readOsRelease(), findHostPython(), dockerAvailable(), trainerPackages()])
  return {
    target,
    os,
    uid: process.getuid?.() ?? -1,
    sudo: onPath('sudo'),
    pythonReady: Boolean(python?.torch && python.numpy),
    dockerReady: docker !== undefined,
    dockerdInstalled: onPath('dockerd', ['/usr/bin', '/usr/sbin']),
    systemd: existsSync('/run/systemd/system'),
    trainerPackages: packages,
  }
}

export interface RunFixOptions {
  plan: FixPlan
  /** A command is about to run (printed by the caller, before it starts). */
  onCommand?: (line: string) => void
  /** Where the commands' own output goes: a file descriptor (2: the caller's stderr, so --json stays one document) or 'ignore'. */
  output?: number | 'ignore'
  /** Let the commands read the terminal (sudo's password prompt). */
  interactive?: boolean
}

/** Runs the plan's commands in order; the first that fails stops it with DCB_FIX_FAILED. */
export async function runFix(options: RunFixOptions): Promise<void> {
  const output = options.output ?? 'ignore'
  for (const argv of options.plan.commands) {
    const line = formatCommand(argv)
    options.onCommand?.(line)
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), {stdio: [options.interactive ? 'inherit' : 'ignore', output, output]})
      child.on('error', (error) => resolve(error.message))
      child.on('close', (status, signal) => resolve(status ?? `killed by ${signal}`))
    })
    if (code !== 0) {
      throw new DcbError('DCB_FIX_FAILED', `\`${line}\` failed (${typeof code === 'number' ? `exit ${code}` : code}); nothing after it was run`, {
        suggestions: ['its output is above; run it yourself to see why (no network to the Debian mirror, a held dpkg lock, a wrong password)'],
      })
    }
  }
  if (options.plan.waitForDocker) await waitForDocker()
}

async function waitForDocker(): Promise<void> {
  for (let i = 0; i < DOCKER_START_SECONDS; i++) {
    if (await dockerAvailable()) return
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new DcbError('DCB_FIX_FAILED', `dockerd was started but the engine did not answer within ${DOCKER_START_SECONDS} s`, {
    suggestions: [existsSync('/run/systemd/system') ? 'see journalctl -u docker' : `see ${DOCKERD_LOG}`],
  })
}
