import {existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadSuite} from '../../../../src/eval/datacomp/suite.js'
import {resolveTaskData} from '../../../../src/eval/datacomp/task-data.js'
import {runBench, runBenchJson} from '../../../helpers/cli.js'
import {makeClassificationSet} from '../../../helpers/eval-fixtures.js'
import {startFakeDatasetHub, type FakeDatasetHub} from '../../../helpers/fake-hub-datasets.js'

// These tests never touch the network: @huggingface/hub is pointed ($HF_ENDPOINT) at a local server
// that imitates the hub's dataset endpoints (test/helpers/fake-hub-datasets.ts).
const KITTI = 'vtab/kitti_closest_vehicle_distance'
const KITTI_REPO = 'djghosh/wds_vtab-kitti_closest_vehicle_distance_test'

describe('bench eval fetch --benchmark datacomp (Hugging Face hub downloads)', () => {
  let root = ''
  let hub: FakeDatasetHub
  const suite = loadSuite('datacomp-38')
  const kittiSize = suite.tasks.find((t) => t.key === KITTI)?.size as number

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-fetch-'))
    // KITTI is the smallest task (711 samples): a full-size copy in the real layout, two shards.
    await makeClassificationSet(join(root, 'src', 'kitti'), {n: kittiSize, classes: ['a car on my right or left', 'a car nearby', 'a car in the distance', 'no car'], samplesPerShard: 400, tiny: true})
    // DTD served with 30 samples instead of 1,880: the sample-count check must catch it.
    await makeClassificationSet(join(root, 'src', 'dtd'), {n: 30, classes: ['banded', 'blotchy'], seed: 9, tiny: true})
    await makeClassificationSet(join(root, 'src', 'pets'), {n: 20, classes: ['abyssinian', 'beagle'], seed: 19, tiny: true})
    hub = await startFakeDatasetHub({[KITTI_REPO]: join(root, 'src', 'kitti'), 'djghosh/wds_vtab-dtd_test': join(root, 'src', 'dtd'), 'djghosh/wds_vtab-pets_test': join(root, 'src', 'pets')})
  })
  afterAll(async () => {
    await hub?.close()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  const env = () => ({HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: ''})
  const fetchArgs = (tasks: string, ...more: string[]) => ['eval', 'fetch', '--benchmark', 'datacomp', '--data', join(root, 'data'), '--tasks', tasks, ...more]

  it('resumes an interrupted download with a Range request and lays out the HF cache', async () => {
    hub.cutNext('test/1.tar', 50_000)
    const first = await runBench(fetchArgs(KITTI), {env: env()})
    expect(first.exitCode, first.stderr).toBe(3)
    expect(first.stderr).toMatch(/downloading test\/1\.tar \(\d+ of \d+ bytes kept for resuming\)/)
    const cache = join(root, 'data', `datasets--${KITTI_REPO.replace('/', '--')}`)
    expect(readdirSync(join(cache, 'blobs')).some((f) => f.endsWith('.incomplete'))).toBe(true)
    expect(existsSync(join(cache, 'refs', 'main')), 'no ref before the snapshot is complete').toBe(false)

    hub.requests.length = 0
    const {exitCode, json, stderr} = await runBenchJson<Record<string, any>>(fetchArgs(KITTI), {env: env()})
    expect(exitCode, stderr).toBe(0)
    expect(json.tasks).toEqual([expect.objectContaining({key: KITTI, state: 'downloaded', samples: kittiSize, expected: kittiSize})])
    // Only test/1.tar was fetched again, from where the first attempt stopped.
    const tarGets = hub.requests.filter((r) => r.path.endsWith('.tar') && r.range !== 'bytes=0-0')
    expect(tarGets).toHaveLength(1)
    expect(tarGets[0]?.path).toMatch(/\/test\/1\.tar$/)
    expect(Number(/^bytes=(\d+)-/.exec(tarGets[0]?.range ?? '')?.[1])).toBeGreaterThan(0)

    const commit = readFileSync(join(cache, 'refs', 'main'), 'utf8')
    const snapshot = join(cache, 'snapshots', commit)
    for (const name of ['classnames.txt', 'zeroshot_classification_templates.txt', 'test/nshards.txt', 'test/0.tar', 'test/1.tar']) {
      expect(lstatSync(join(snapshot, name)).isSymbolicLink(), name).toBe(true)
      expect(readFileSync(join(snapshot, name)).equals(readFileSync(join(root, 'src', 'kitti', name))), name).toBe(true)
    }
    expect(readdirSync(join(cache, 'blobs')).some((f) => f.endsWith('.incomplete'))).toBe(false)
    // bench eval reads the task from there.
    expect(resolveTaskData(join(root, 'data'), {hf_repo: KITTI_REPO})).toBe(snapshot)
  })

  it('uses the cache without any request once complete; --offline names what is missing (exit 1)', async () => {
    hub.requests.length = 0
    const again = await runBenchJson<Record<string, any>>(fetchArgs(KITTI), {env: env()})
    expect(again.exitCode).toBe(0)
    expect(again.json.tasks[0].state).toBe('cached')
    const offline = await runBench(fetchArgs(`${KITTI},vtab/pets`, '--offline'), {env: env()})
    expect(offline.exitCode).toBe(1)
    expect(offline.stderr).toMatch(/1 task\(s\) not usable: vtab\/pets \(missing: djghosh\/wds_vtab-pets_test\)/)
    expect(offline.stdout).toMatch(/vtab\/kitti_closest_vehicle_distance\s*│ cached/)
    // HF_HUB_OFFLINE=1 means the same as --offline.
    const envOffline = await runBench(fetchArgs('vtab/pets'), {env: {...env(), HF_HUB_OFFLINE: '1'}})
    expect(envOffline.exitCode).toBe(1)
    expect(hub.requests).toEqual([])
  })

  it('refuses a dataset whose sample count is not the task table\'s, and a file whose sha256 differs', async () => {
    const wrong = await runBenchJson<Record<string, any>>(fetchArgs('vtab/dtd'), {env: env()})
    expect(wrong.exitCode).toBe(1)
    expect(wrong.json.error?.message ?? '').toMatch(/vtab\/dtd \(wrong-size: djghosh\/wds_vtab-dtd_test\)/)
    const text = await runBench(fetchArgs('vtab/dtd'), {env: env()})
    expect(text.stdout).toMatch(/30 samples in its shards, the task table says 1880/)

    hub.corrupt('djghosh/wds_vtab-pets_test', 'test/0.tar')
    const corrupt = await runBench(fetchArgs('vtab/pets'), {env: env()})
    expect(corrupt.exitCode).toBe(1)
    expect(corrupt.stderr).toMatch(/^error \[DCB_HUB_CHECKSUM\]: djghosh\/wds_vtab-pets_test: test\/0\.tar: sha256 [0-9a-f]{64} differs from the hub.s [0-9a-f]{64}/m)
  })
})
