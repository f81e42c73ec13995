import {describe, expect, it} from 'vitest'

import {formatCommand, planFix, type FixSituation} from '../../../src/doctor/fix-plan.js'
import {isDebianPython, pythonFixHint} from '../../../src/doctor/python-hint.js'
import {isDcbError} from '../../../src/errors.js'

const PACKAGES = ['python3', 'python3-torch', 'python3-numpy', 'libopenblas0-pthread', 'python3-pil', 'python3-regex']
const debian = {id: 'debian', idLike: [], name: 'Debian GNU/Linux 12 (bookworm)'}

function situation(overrides: Partial<FixSituation> = {}): FixSituation {
  return {target: 'local', os: debian, uid: 0, sudo: false, pythonReady: false, dockerReady: false, dockerdInstalled: false, systemd: false, trainerPackages: PACKAGES, ...overrides}
}

function commands(s: FixSituation): string[] {
  return planFix(s).commands.map(formatCommand)
}

function refusal(s: FixSituation): string {
  try {
    planFix(s)
  } catch (error) {
    if (isDcbError(error)) return `${error.code} ${error.exitCode}: ${error.message}`
    throw error
  }
  throw new Error('planFix did not refuse')
}

const INSTALL = `env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${PACKAGES.join(' ')}`

describe('bench doctor --fix: which commands for which machine', () => {
  it('Debian as root, no trainer: apt-get update, then the CPU image packages, without sudo', () => {
    expect(commands(situation())).toEqual(['apt-get update -q', INSTALL])
  })

  it('Ubuntu (and ID_LIKE derivatives) as a user with sudo: the same commands through sudo', () => {
    expect(commands(situation({os: {id: 'ubuntu', idLike: ['debian'], name: 'Ubuntu 24.04'}, uid: 1000, sudo: true}))).toEqual(['sudo apt-get update -q', `sudo ${INSTALL}`])
    expect(commands(situation({os: {id: 'linuxmint', idLike: ['ubuntu', 'debian'], name: 'Linux Mint 22'}, uid: 1000, sudo: true}))).toHaveLength(2)
  })

  it('nothing to do when the trainer asked for works, whatever the machine (even not Debian, not root)', () => {
    const fedora = {id: 'fedora', idLike: [], name: 'Fedora Linux 40'}
    expect(planFix(situation({pythonReady: true, os: fedora, uid: 1000})).commands).toEqual([])
    expect(planFix(situation({target: 'docker', dockerReady: true, os: fedora, uid: 1000})).commands).toEqual([])
    // a working python is not a working Docker engine: --executor docker still installs it
    expect(planFix(situation({target: 'docker', pythonReady: true})).commands).not.toEqual([])
  })

  it('auto (the default): either working trainer is enough; with neither it installs the local one', () => {
    expect(planFix(situation({target: 'auto', dockerReady: true}))).toMatchObject({target: 'docker', commands: []})
    expect(planFix(situation({target: 'auto', pythonReady: true}))).toMatchObject({target: 'local', commands: []})
    expect(planFix(situation({target: 'auto'}))).toMatchObject({target: 'local', commands: [['apt-get', 'update', '-q'], expect.arrayContaining(['python3-torch'])]})
    // asked for one by name, the other working does not count
    expect(commands(situation({target: 'local', dockerReady: true}))).toEqual(['apt-get update -q', INSTALL])
  })

  it('refuses a machine that is not Debian/Ubuntu, naming it (DCB_FIX_UNSUPPORTED, exit 3)', () => {
    expect(refusal(situation({os: {id: 'fedora', idLike: [], name: 'Fedora Linux 40'}}))).toMatch(/^DCB_FIX_UNSUPPORTED 3: .*Fedora Linux 40$/)
    expect(refusal(situation({os: {id: '', idLike: [], name: ''}}))).toMatch(/^DCB_FIX_UNSUPPORTED 3: .*no \/etc\/os-release/)
  })

  it('refuses without root and without sudo (DCB_FIX_NO_ROOT, exit 3), naming the packages to ask for', () => {
    expect(refusal(situation({uid: 1000, sudo: false}))).toMatch(/^DCB_FIX_NO_ROOT 3: .*uid 1000/)
    try {
      planFix(situation({uid: 1000, target: 'docker'}))
    } catch (error) {
      expect(isDcbError(error) && error.suggestions.join(' ')).toMatch(/docker\.io/)
    }
  })

  it('--executor docker: installs docker.io when dockerd is absent, then starts it (systemd or in the background)', () => {
    expect(commands(situation({target: 'docker'}))).toEqual([
      'apt-get update -q',
      'env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io',
      "sh -c 'nohup dockerd >/var/log/dcbench-dockerd.log 2>&1 &'",
    ])
    expect(commands(situation({target: 'docker', dockerdInstalled: true, systemd: true, uid: 1000, sudo: true}))).toEqual(['sudo systemctl start docker'])
    const plan = planFix(situation({target: 'docker', dockerdInstalled: true, uid: 1000, sudo: true}))
    expect(plan.waitForDocker).toBe(true)
    expect(plan.notes.join(' ')).toMatch(/usermod -aG docker/)
  })
})

describe('the no-torch hint', () => {
  it("names apt-get install python3-torch only for Debian's /usr/bin/python3 (or no python at all), and DCBENCH_PYTHON always", () => {
    const debianPython = {path: 'python3', executable: '/usr/bin/python3', version: '3.11.2'}
    const venv = {path: 'python3', executable: '/home/u/.venv/bin/python3', version: '3.12.1'}
    expect(isDebianPython(debianPython)).toBe(true)
    expect(isDebianPython(undefined)).toBe(true)
    expect(isDebianPython(venv)).toBe(false)
    for (const python of [debianPython, undefined]) {
      expect(pythonFixHint(python)).toMatch(/apt-get install python3-torch/)
      expect(pythonFixHint(python)).toMatch(/DCBENCH_PYTHON/)
    }
    expect(pythonFixHint(venv)).not.toMatch(/apt-get/)
    expect(pythonFixHint(venv)).toMatch(/DCBENCH_PYTHON/)
    expect(pythonFixHint(venv)).toMatch(/\/home\/u\/\.venv\/bin\/python3 is not Debian's \/usr\/bin\/python3/)
  })
})
