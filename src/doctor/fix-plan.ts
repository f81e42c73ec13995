import {DcbError} from '../errors.js'

/**
 * What `bench doctor --fix` decides, with no side effect: from a description of the machine (read by
 * src/doctor/fix.ts) to the exact commands it will run, or a refusal. Kept pure so that every
 * situation (root or sudo, Debian or not, python or Docker) is unit-tested without a fresh machine.
 */

/**
 * Which trainer to make work: the host's python3 + torch (the local executor), the Docker engine, or
 * auto — either one that works already is enough (as quickstart's auto executor takes either), else
 * the local one is installed (smaller than an engine plus the CPU image build, and no daemon).
 */
export type FixTarget = 'auto' | 'local' | 'docker'

/** The facts about this machine that the plan depends on. */
export interface FixSituation {
  target: FixTarget
  /** /etc/os-release's ID and ID_LIKE words (empty when the file is absent), and its PRETTY_NAME. */
  os: {id: string; idLike: string[]; name: string}
  /** Effective uid (0: root). */
  uid: number
  /** `sudo` is on PATH. */
  sudo: boolean
  /** The local trainer works already (the python doctor reports has torch and numpy). */
  pythonReady: boolean
  /** The Docker engine answers. */
  dockerReady: boolean
  /** `dockerd` is installed (on PATH or in /usr/bin or /usr/sbin). */
  dockerdInstalled: boolean
  /** systemd runs this machine (/run/systemd/system exists): start dockerd as its service. */
  systemd: boolean
  /** The Debian packages the local trainer imports (containers/cpu/packages.txt, the CPU image's list). */
  trainerPackages: readonly string[]
}

/** The commands to run, in order, each an argv; empty when there is nothing to fix. */
export interface FixPlan {
  /** What the commands make work ('auto' resolved). */
  target: 'local' | 'docker'
  commands: string[][]
  /** After the commands: wait for the Docker engine to answer. */
  waitForDocker: boolean
  /** One line each, for the user: what is already fine, what the commands do. */
  notes: string[]
}

/** Where dockerd started without systemd writes its log. */
export const DOCKERD_LOG = '/var/log/dcbench-dockerd.log'

/** Debian, Ubuntu and their derivatives (ID_LIKE=debian): apt-get and Debian's package names work. */
export function isDebianLike(os: FixSituation['os']): boolean {
  return os.id === 'debian' || os.id === 'ubuntu' || os.idLike.includes('debian') || os.idLike.includes('ubuntu')
}

/** One command as the user would type it, for printing before it runs. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ')
}

/**
 * The plan for `situation`, or a DcbError: DCB_FIX_UNSUPPORTED (not Debian/Ubuntu) or DCB_FIX_NO_ROOT
 * (neither root nor sudo). Nothing to fix is a plan without commands, whatever the machine.
 */
export function planFix(situation: FixSituation): FixPlan {
  const asked = situation.target
  if (asked !== 'docker' && situation.pythonReady) {
    return {target: 'local', commands: [], waitForDocker: false, notes: ['the host python3 has torch and numpy: nothing to install']}
  }
  if (asked !== 'local' && situation.dockerReady) {
    return {target: 'docker', commands: [], waitForDocker: false, notes: ['the Docker engine answers: nothing to install']}
  }
  const target = asked === 'auto' ? 'local' : asked
  if (!isDebianLike(situation.os)) {
    throw new DcbError('DCB_FIX_UNSUPPORTED', `bench doctor --fix installs with apt-get on Debian or Ubuntu; this machine is ${situation.os.name || 'of an unknown system (no /etc/os-release)'}`, {
      suggestions: [
        target === 'local'
          ? 'install torch, numpy, pillow and regex for a python3 (e.g. pip install torch numpy pillow regex) and set DCBENCH_PYTHON to it'
          : "install and start a Docker engine with your system's packages",
      ],
    })
  }
  const root = situation.uid === 0
  if (!root && !situation.sudo) {
    throw new DcbError('DCB_FIX_NO_ROOT', `installing packages needs root: this is uid ${situation.uid} and sudo is not installed`, {
      suggestions: [`run it as root (su -c '…'), or ask an administrator to apt-get install ${target === 'local' ? situation.trainerPackages.join(' ') : 'docker.io'}`],
    })
  }
  const asRoot = (argv: string[]): string[] => (root ? argv : ['sudo', ...argv])
  const aptInstall = (packages: readonly string[]): string[] =>
    asRoot(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages])
  const notes: string[] = []
  const commands: string[][] = []
  if (target === 'local') {
    commands.push(asRoot(['apt-get', 'update', '-q']), aptInstall(situation.trainerPackages))
    notes.push(`installs Debian's ${situation.trainerPackages.join(', ')} for /usr/bin/python3 (what the tiny trainers import; the CPU image has the same)`)
    return {target, commands, waitForDocker: false, notes}
  }
  if (!situation.dockerdInstalled) {
    commands.push(asRoot(['apt-get', 'update', '-q']), aptInstall(['docker.io']))
    notes.push("installs Debian's docker.io")
  }
  commands.push(situation.systemd ? asRoot(['systemctl', 'start', 'docker']) : asRoot(['sh', '-c', `nohup dockerd >${DOCKERD_LOG} 2>&1 &`]))
  notes.push(situation.systemd ? 'starts the docker service' : `starts dockerd in the background (no systemd here; log ${DOCKERD_LOG})`)
  if (!root) notes.push('to use the engine without sudo, add yourself to the docker group (sudo usermod -aG docker $USER) and log in again')
  return {target, commands, waitForDocker: true, notes}
}
