import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadSuite, type RetrievalHubFiles, type WinogavilHubFiles} from '../../../../src/eval/datacomp/suite.js'
import {runBenchJson} from '../../../helpers/cli.js'
import {startFakeDatasetHub, type FakeDatasetHub, type FakeRepo} from '../../../helpers/fake-hub-datasets.js'
import {candidateNames, retrievalRepoFiles, sizedWdsRepoFiles, syntheticRetrievalExamples, syntheticWinogavilItems, winogavilRepoFiles} from '../../../helpers/fake-hub-layouts.js'
import {syntheticImage} from '../../../helpers/synthetic-images.js'

// Every repo of the 40-task suite in the local hub imitation, at its full size: the 37 webdataset
// repos with their task table's sample counts (generated shards of empty images, 732,026 samples in
// all: fetch counts samples, it does not decode them), the nlphuji sets with their real example
// counts and one tiny JPEG per image name, WinoGAViL gated.
const TOKEN = 'hf_accepted'

describe('bench eval fetch --benchmark datacomp --scale medium against the local hub imitation', () => {
  const suite = loadSuite('datacomp-38')
  let root = ''
  let hub: FakeDatasetHub

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-fetch-medium-'))
    const image = await syntheticImage(2, 8, 8)
    const repos: Record<string, FakeRepo> = {}
    for (const task of suite.tasks) {
      const files = task.hub_files
      if (!files) repos[task.hf_repo] = {files: sizedWdsRepoFiles(task.size)}
      else if ('captions_column' in files) repos[task.hf_repo] = {files: await retrievalRepoFiles(task.hf_repo.split('/')[1] as string, files as RetrievalHubFiles, syntheticRetrievalExamples(task.size, () => image))}
      else repos[task.hf_repo] = {files: await winogavilRepoFiles(files as WinogavilHubFiles, syntheticWinogavilItems(task.size, candidateNames(60)), () => image), gated: 'auto', acceptedTokens: [TOKEN]}
    }
    hub = await startFakeDatasetHub(repos)
  })
  afterAll(async () => {
    await hub?.close()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  it('downloads every task and reports all 40 (the 38 scored + FairFace, UTKFace) ready; a second run finds them cached, offline too', async () => {
    const args = ['eval', 'fetch', '--benchmark', 'datacomp', '--scale', 'medium', '--data', join(root, 'data')]
    const env = {HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '', HF_TOKEN: TOKEN}
    const first = await runBenchJson<Record<string, any>>(args, {env})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json.suite).toEqual({id: 'datacomp-38', version: '1.0.0'})
    expect(first.json.tasks).toHaveLength(40)
    expect(first.json.ready).toBe(40)
    expect(first.json.unusable).toEqual([])
    for (const status of first.json.tasks) expect(status, status.key).toMatchObject({state: 'downloaded', ready: true, samples: status.expected})
    expect(first.json.tasks.filter((t: {key: string}) => suite.tasks.find((s) => s.key === t.key)?.scored)).toHaveLength(38)
    // The plan listed every task with its size before anything was downloaded.
    expect(first.json.plan.tasks).toHaveLength(40)
    expect(first.json.plan.total_bytes).toBe(first.json.downloaded_bytes)

    const again = await runBenchJson<Record<string, any>>([...args, '--offline'], {env})
    expect(again.exitCode).toBe(0)
    expect(again.json.tasks.map((t: {state: string}) => t.state)).toEqual(Array(40).fill('cached'))
  }, 600_000)
})
