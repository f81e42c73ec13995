import {existsSync, mkdirSync, mkdtempSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {reshard} from '../../../src/runner/reshard/index.js'
import {runBench} from '../../helpers/cli.js'
import {makeDataCompPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {useTempDir} from '../../helpers/tmp.js'

// `bench train` that cannot start (no Docker engine) leaves no empty run folder behind.
const tempDir = useTempDir('dcbench-train-noexec-')
let data: string

beforeAll(async () => {
  // the fixture outlives each test (useTempDir's folders do not)
  const root = mkdtempSync(join(tmpdir(), 'dcbench-fixture-'))
  const pool = join(root, 'pool')
  const {uids} = await makeDataCompPool(pool, {shards: 1, perShard: 20})
  const subset = join(root, 'subset.npy')
  await writeSubsetNpy(subset, new Map(uids.map((uid) => [uid, 1])))
  data = join(root, 'data')
  await reshard({benchmark: 'datacomp', subsetFile: subset, poolDir: pool, outDir: data})
}, 180_000)

const noDocker = {DOCKER_HOST: 'unix:///nonexistent-dcbench/docker.sock'}

describe('bench train without a Docker engine', () => {
  it('fails with DCB_NO_DOCKER and creates no run folder', async () => {
    const out = join(tempDir(), 'runs', 'r1')
    const result = await runBench(['train', '--benchmark', 'datacomp', '--scale', 'tiny', '--executor', 'docker', '--data', data, '--out', out], {env: noDocker})
    expect(result.exitCode, result.stderr).toBe(3)
    expect(result.stderr.split('\n')[0]).toBe('error [DCB_NO_DOCKER]: the Docker engine does not answer at unix:///nonexistent-dcbench/docker.sock')
    expect(existsSync(out)).toBe(false)
  })

  it('leaves an empty folder it was given empty', async () => {
    const out = join(tempDir(), 'r2')
    mkdirSync(out)
    const result = await runBench(['train', '--benchmark', 'datacomp', '--scale', 'tiny', '--executor', 'docker', '--data', data, '--out', out], {env: noDocker})
    expect(result.exitCode, result.stderr).toBe(3)
    expect(readdirSync(out)).toEqual([])
  })
})
