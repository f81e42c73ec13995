import {statSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {repoRoot, runBench, runBenchJson} from '../../helpers/cli.js'

/** Why the test as nobody cannot run here, or undefined: it needs root (to drop to nobody) and a checkout others may read. */
function nobodySkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the tests do not run as root, so they cannot drop to nobody'
  let path = join(repoRoot, 'bin/run.js')
  if ((statSync(path).mode & 0o004) === 0) return `${path} is not readable by other users`
  for (path = dirname(path); ; path = dirname(path)) {
    if ((statSync(path).mode & 0o001) === 0) return `${path} may not be entered by other users (mode ${(statSync(path).mode & 0o777).toString(8)}), so nobody cannot run the checkout`
    if (path === dirname(path)) return undefined
  }
}

interface Check {
  name: string
  status: 'ok' | 'missing' | 'info'
  detail: string
  fix?: string
}

describe('bench doctor', () => {
  it('reports every check, and how to fix what is missing', async () => {
    const {exitCode, json} = await runBenchJson<{checks: Check[]; ok: boolean}>(['doctor'])
    expect(json.checks.map((c) => c.name)).toEqual(['node', 'docker', 'gpu', 'python', 'disk'])
    expect(json.checks.find((c) => c.name === 'node')).toMatchObject({status: 'ok', detail: `v${process.versions.node}`})
    for (const check of json.checks) if (check.status !== 'ok') expect(check.fix).toBeTruthy()
    expect(exitCode).toBe(json.ok ? 0 : 1)
  })

  it('finds the Docker engine through DOCKER_HOST, and says so when it is unreachable', async () => {
    const {json} = await runBenchJson<{checks: Check[]}>(['doctor'], {env: {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}})
    const docker = json.checks.find((c) => c.name === 'docker')!
    expect(docker.status).toBe('missing')
    expect(docker.fix).toMatch(/dockerd/)
  })

  it('prints one line per check', async () => {
    const result = await runBench(['doctor'])
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(5)
    for (const line of lines) expect(line).toMatch(/^(ok|missing|info) +(node|docker|gpu|python|disk) /)
  })
})

// `bench doctor --fix` for real on this host, where it must install nothing: the apt path itself runs
// in the fresh Debian container of test/integration/fresh-machine (it installs packages as root, which
// a test must not do to the machine it runs on). The decisions for other machines: test/unit/doctor.
describe('bench doctor --fix (real processes)', () => {
  const noEngine = {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}

  it('installs nothing when the trainer works already, and says so', async () => {
    const {exitCode, json} = await runBenchJson<{ok: boolean; fix: {executor: string; commands: string[]}; checks: Check[]}>(['doctor', '--fix', '--yes'])
    expect(json.checks.find((c) => c.name === 'python')?.status).toBe('ok')
    expect(json.fix).toEqual({executor: 'local', commands: []})
    expect(exitCode).toBe(json.ok ? 0 : 1)
    const plain = await runBench(['doctor', '--fix'])
    expect(plain.stderr).toMatch(/nothing to install/)
  })

  it('without --yes and without a terminal prints the commands, runs none of them and exits 2 (DCB_FIX_CONFIRM)', async () => {
    const result = await runBench(['doctor', '--fix', '--executor', 'docker'], {env: noEngine})
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toMatch(/command\(s\) to run:\n {2}.*(systemctl start docker|dockerd)/)
    expect(result.stderr).toMatch(/^error \[DCB_FIX_CONFIRM\]: .*nothing was run$/m)
    expect(result.stderr).toMatch(/hint: .*doctor --fix --executor docker --yes/)
  })

  // setpriv drops to nobody (uid 65534), who must be able to reach bin/run.js: a checkout under a
  // folder only its owner may enter (mktemp -d makes them 0700) cannot be run as nobody
  it.skipIf(nobodySkipReason())('as a user without root and without sudo refuses in one line (DCB_FIX_NO_ROOT, exit 3)', async () => {
    // PATH has no sudo in it
    const asNobody = await execa('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(repoRoot, 'bin/run.js'), 'doctor', '--fix', '--executor', 'docker', '--yes'], {
      reject: false,
      cwd: '/tmp',
      env: {...noEngine, PATH: '/usr/local/bin', HOME: '/tmp'},
      extendEnv: false,
    })
    expect(asNobody.exitCode, asNobody.stderr).toBe(3)
    expect(asNobody.stderr).toMatch(/^error \[DCB_FIX_NO_ROOT\]: installing packages needs root: this is uid 65534 and sudo is not installed$/m)
  })
})
