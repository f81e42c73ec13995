import {describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'

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
