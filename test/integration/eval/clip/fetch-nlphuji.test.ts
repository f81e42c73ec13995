import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadSuite, type RetrievalHubFiles, type WinogavilHubFiles} from '../../../../src/eval/datacomp/suite.js'
import {resolveTaskData} from '../../../../src/eval/datacomp/task-data.js'
import {runBench, runBenchJson} from '../../../helpers/cli.js'
import {startFakeDatasetHub, type FakeDatasetHub} from '../../../helpers/fake-hub-datasets.js'
import {candidateNames, retrievalRepoFiles, sizedWdsRepoFiles, syntheticRetrievalExamples, syntheticWinogavilItems, winogavilRepoFiles} from '../../../helpers/fake-hub-layouts.js'
import {syntheticImage} from '../../../helpers/synthetic-images.js'

// No network: @huggingface/hub is pointed ($HF_ENDPOINT) at a local imitation of the hub
// (fake-hub-datasets.ts) serving the nlphuji repos in their real file layout (fake-hub-layouts.ts).
const FLICKR = 'retrieval/flickr_1k_test_image_text_retrieval'
const WINO = 'misc/winogavil'
const TOKEN = 'hf_accepted'

describe('bench eval fetch --benchmark datacomp: Flickr, MSCOCO and WinoGAViL from the nlphuji repos', () => {
  const suite = loadSuite('datacomp-38')
  const task = (key: string) => suite.tasks.find((t) => t.key === key) as (typeof suite.tasks)[number]
  let root = ''
  let hub: FakeDatasetHub

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-fetch-nlphuji-'))
    const image = await syntheticImage(1, 8, 8)
    const flickr = await retrievalRepoFiles('flickr_1k_test_image_text_retrieval', task(FLICKR).hub_files as RetrievalHubFiles, syntheticRetrievalExamples(task(FLICKR).size, () => image))
    const names = candidateNames(60)
    const wino = await winogavilRepoFiles(task(WINO).hub_files as WinogavilHubFiles, syntheticWinogavilItems(task(WINO).size, names), () => image)
    // MSCOCO with 40 rows instead of 5,000: the example count check must catch it.
    const coco = await retrievalRepoFiles('mscoco_2014_5k_test_image_text_retrieval', task('retrieval/mscoco_2014_5k_test_image_text_retrieval').hub_files as RetrievalHubFiles, syntheticRetrievalExamples(40, () => image))
    hub = await startFakeDatasetHub({
      'nlphuji/flickr_1k_test_image_text_retrieval': {files: flickr},
      'nlphuji/mscoco_2014_5k_test_image_text_retrieval': {files: coco},
      'nlphuji/winogavil': {files: wino, gated: 'auto', acceptedTokens: [TOKEN]},
      // ImageNet's real sample count, generated (empty images): 50,000 samples in 3 shards.
      'djghosh/wds_imagenet1k_test': {files: sizedWdsRepoFiles(50_000)},
    })
  })
  afterAll(async () => {
    await hub?.close()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  const data = () => join(root, 'data')
  const env = (token?: string) => ({HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '', HF_TOKEN: token ?? ''})
  const fetchArgs = (tasks: string, ...more: string[]) => ['eval', 'fetch', '--benchmark', 'datacomp', '--data', data(), '--tasks', tasks, ...more]

  it('downloads only the table and the image zip of Flickr, shows the size first, and checks every example', async () => {
    const r = await runBench(fetchArgs(FLICKR), {env: env()})
    expect(r.exitCode, r.stderr).toBe(0)
    // The plan, before the download: the task, its repo and the bytes to fetch, then the total.
    expect(r.stderr).toMatch(/retrieval\/flickr_1k_test_image_text_retrieval\s*│ nlphuji\/flickr_1k_test_image_text_retrieval\s*│ \d+(\.\d+)? kB/)
    expect(r.stderr).toMatch(/total to download: \d+(\.\d+)? kB \(\d+ bytes\) in 1 task\(s\)/)
    expect(r.stdout).toMatch(/retrieval\/flickr_1k_test_image_text_retrieval\s*│ downloaded\s*│ 1000\/1000/)
    const gets = hub.requests.filter((q) => q.path.includes('/resolve/')).map((q) => q.path.split('/').pop())
    expect(new Set(gets)).toEqual(new Set(['test_1k_flickr.csv', 'images_flickr_1k_test.zip']))
    const dir = resolveTaskData(data(), task(FLICKR)) as string
    expect(readdirSync(dir).sort()).toEqual(['images_flickr_1k_test.zip', 'test_1k_flickr.csv'])
  })

  it('refuses a table whose example count is not the task table\'s', async () => {
    const r = await runBench(fetchArgs('retrieval/mscoco_2014_5k_test_image_text_retrieval'), {env: env()})
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toMatch(/wrong-size\s*│ 40\/5000/)
    expect(r.stdout).toMatch(/40 examples in test_5k_mscoco_2014\.csv, the task table says 5000/)
    const json = await runBenchJson<Record<string, any>>(fetchArgs('retrieval/mscoco_2014_5k_test_image_text_retrieval'), {env: env()})
    expect(json.json.error.message).toMatch(/1 task\(s\) not usable: retrieval\/mscoco_2014_5k_test_image_text_retrieval \(wrong-size: nlphuji\/mscoco_2014_5k_test_image_text_retrieval\)/)
  })

  it('WinoGAViL is gated: without HF_TOKEN, and with a token whose account has not accepted the terms, one line says what is needed', async () => {
    hub.requests.length = 0
    const none = await runBench(fetchArgs(WINO), {env: env()})
    expect(none.exitCode).toBe(1)
    const line = /nlphuji\/winogavil is gated on the Hugging Face hub and no HF_TOKEN is set: set HF_TOKEN to a token of an account that has accepted the dataset's terms at http:\/\/127\.0\.0\.1:\d+\/datasets\/nlphuji\/winogavil/
    expect(none.stdout).toMatch(line)
    expect(none.stderr).toMatch(/^error \[DCB_EVAL_DATA_UNUSABLE\]: .*1 task\(s\) not usable: misc\/winogavil \(nlphuji\/winogavil is gated/m)
    expect(none.stderr.trim().split('\n').filter((l) => l.startsWith('error'))).toHaveLength(1)
    // Nothing was asked of the file endpoints without a token.
    expect(hub.requests.filter((q) => q.path.includes('/resolve/'))).toEqual([])

    const wrong = await runBenchJson<Record<string, any>>(fetchArgs(WINO), {env: env('hf_someone_else')})
    expect(wrong.exitCode).toBe(1)
    expect(wrong.json.error.message).toMatch(/misc\/winogavil \(nlphuji\/winogavil is gated on the Hugging Face hub and downloading winogavil_\S+ was refused \(HTTP 403\): set HF_TOKEN to a token of an account that has accepted the dataset's terms at \S+\)$/)
    expect(wrong.json.error.message).not.toContain('\n')
  })

  it('WinoGAViL with the token of an account that accepted the terms: downloaded, every item and candidate image checked', async () => {
    const r = await runBenchJson<Record<string, any>>(fetchArgs(WINO), {env: env(TOKEN)})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json.tasks[0]).toMatchObject({key: WINO, state: 'downloaded', samples: 3563, expected: 3563, ready: true})
    expect(r.json.plan.tasks).toEqual([{key: WINO, source: 'nlphuji/winogavil', bytes: expect.any(Number)}])
  })

  it('more than 10 GB needs --yes: refused before any download, with the sizes printed', async () => {
    hub.listSize('djghosh/wds_imagenet1k_test', 'test/0.tar', 11e9)
    hub.requests.length = 0
    const r = await runBench(fetchArgs('imagenet1k'), {env: env()})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/imagenet1k\s*│ djghosh\/wds_imagenet1k_test\s*│ 11\.\d GB/)
    expect(r.stderr).toMatch(/^error \[DCB_FETCH_CONFIRM\]: 11\.\d GB to download in 1 task\(s\), over the 10\.0 GB that needs confirming; nothing was downloaded/m)
    expect(hub.requests.filter((q) => q.path.includes('/resolve/'))).toEqual([])
    expect(existsSync(join(data(), 'datasets--djghosh--wds_imagenet1k_test', 'blobs'))).toBe(false)
    // --json never prompts either.
    const json = await runBenchJson<Record<string, any>>(fetchArgs('imagenet1k'), {env: env()})
    expect(json.exitCode).toBe(2)
    expect(json.json.error.code).toBe('DCB_FETCH_CONFIRM')
    // With --yes it goes ahead (here the listing promised more bytes than the file has).
    const yes = await runBench(fetchArgs('imagenet1k', '--yes'), {env: env()})
    expect(hub.requests.some((q) => q.path.endsWith('/test/0.tar'))).toBe(true)
    expect(yes.stderr).toMatch(/DCB_HUB_DOWNLOAD/)
  })
})
