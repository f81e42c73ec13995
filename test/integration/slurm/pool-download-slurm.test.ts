import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parquetWriteBuffer} from 'hyparquet-writer'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {iterateDataCompSamples} from '../../../src/benchmarks/datacomp/pool-shards.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {startFakeDatasetHub, type FakeDatasetHub} from '../../helpers/fake-hub-datasets.js'
import {startImageServer, type ImageServer} from '../../helpers/image-server.js'
import {slurmEnv, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'
import {syntheticImage} from '../../helpers/synthetic-images.js'

/**
 * Issue 20 item 4 / issue 19: DataComp's image download split over shards — `--shard i/N` by hand,
 * `--processes N` on this machine, and `--executor slurm` as a job array on the real two-node cluster of .ci/slurm-up.sh — gives the shards
 * a local download gives (the same members, byte for byte; tar mtimes and the stats' times are the
 * download's own clock, as img2dataset's are) and the same summary. A local hub imitation serves the
 * metadata and a loopback web the images; no network.
 */

const REPO = 'mlfoundations/datacomp_small'
const FILES = 3
const ROWS = 4

function metadataParquet(file: number, base: string): Buffer {
  const rows = Array.from({length: ROWS}, (_, i) => i)
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        {name: 'uid', data: rows.map((i) => `${file.toString(16).padStart(16, '0')}${i.toString(16).padStart(16, '0')}`), type: 'STRING'},
        // the last row of each file is a dead link: failures must be counted alike everywhere
        {name: 'url', data: rows.map((i) => (i === ROWS - 1 ? `${base}/gone-${file}` : `${base}/img-${file}-${i}.jpg`)), type: 'STRING'},
        {name: 'text', data: rows.map((i) => `caption ${file} ${i}`), type: 'STRING'},
        {name: 'face_bboxes', data: rows.map((i) => (i === 0 ? [[0.1, 0.1, 0.4, 0.5]] : []))},
      ],
    }),
  )
}

describe('bench pool download, split over image shards', () => {
  let root: string
  let web: ImageServer
  let hub: FakeDatasetHub
  let env: Record<string, string>

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-slurm-download-'))
    const images: Record<string, {kind: 'bytes'; body: Buffer; contentType: string}> = {}
    for (let f = 0; f < FILES; f++) {
      for (let i = 0; i < ROWS - 1; i++) images[`/img-${f}-${i}.jpg`] = {kind: 'bytes', body: await syntheticImage(f * 10 + i, 300 + 250 * i, 400, 'jpg'), contentType: 'image/jpeg'}
    }
    web = await startImageServer(images)
    const files = Object.fromEntries(Array.from({length: FILES}, (_, f) => [`${String(f).repeat(32)}.parquet`, metadataParquet(f, web.url)]))
    hub = await startFakeDatasetHub({[REPO]: {files}})
    env = {HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '', HF_TOKEN: ''}
  }, 120_000)
  afterAll(async () => {
    await web?.close()
    await hub?.close()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  const download = (out: string, args: string[], extra: Record<string, string> = {}) =>
    runBenchJson<Record<string, any>>(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--timeout', '2', '--yes', ...args], {env: {...env, ...extra}})

  /** Every sample's members, by key: what a shard holds apart from its tar headers' mtime. */
  async function members(pool: string): Promise<Map<string, string>> {
    const all = new Map<string, string>()
    for await (const sample of iterateDataCompSamples(pool)) {
      all.set(sample.key, JSON.stringify(Object.entries(sample.members).map(([ext, body]) => [ext, body!.toString('base64')])))
    }
    return all
  }

  const statusCounts = (pool: string) =>
    readdirSync(join(pool, 'shards'))
      .filter((n) => n.endsWith('_stats.json'))
      .sort()
      .map((n) => {
        const {count, successes, failed_to_download, failed_to_resize, status_dict} = JSON.parse(readFileSync(join(pool, 'shards', n), 'utf8'))
        return [n, {count, successes, failed_to_download, failed_to_resize, status_dict}]
      })

  let local: string
  beforeAll(async () => {
    local = join(root, 'local')
    const result = await download(local, [])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.images.summary).toMatchObject({shards_done: FILES, count: FILES * ROWS, successes: FILES * (ROWS - 1)})
  }, 120_000)

  it('--shard i/N takes every N-th shard of the range; the shares together are the local download', async () => {
    const out = join(root, 'by-hand')
    const first = await download(out, ['--shard', '1/2'])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json.images).toMatchObject({shards_total: FILES, shards_in_range: 2, shards_downloaded: 2})
    expect(readdirSync(join(out, 'shards')).filter((n) => n.endsWith('.tar')).sort()).toEqual(['00000000.tar', '00000002.tar'])
    const second = await download(out, ['--shard', '2/2', '--skip-metadata'])
    expect(second.exitCode, second.stderr).toBe(0)
    expect(second.json.images).toMatchObject({shards_in_range: 1, shards_downloaded: 1, summary: {shards_done: FILES}})
    expect(await members(out)).toEqual(await members(local))
    expect(statusCounts(out)).toEqual(statusCounts(local))

    const tooMany = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--skip-metadata', '--yes', '--shards', '1-2', '--shard', '3/3'], {env})
    expect(tooMany.exitCode).toBe(2)
    expect(tooMany.stderr).toMatch(/error \[DCB_USAGE\]: --shard 3\/3: the work has 2 image shard\(s\), fewer than 3 shards/)
  }, 120_000)

  it('--processes N downloads the shards in N local processes: the same members and counts, each image fetched once, progress summed', async () => {
    const out = join(root, 'processes')
    const hitsBefore = web.requests.length
    const result = await download(out, ['--processes', '2'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json).toMatchObject({processes: 2, images: {shards_total: FILES, shards_downloaded: FILES, shards_skipped: 0, summary: {shards_done: FILES, count: FILES * ROWS, successes: FILES * (ROWS - 1)}}})
    expect(web.requests.length - hitsBefore).toBe(FILES * (ROWS - 1) + FILES * 3)
    expect(await members(out)).toEqual(await members(local))
    expect(statusCounts(out)).toEqual(statusCounts(local))
    expect(JSON.parse(readFileSync(join(out, 'download_summary.json'), 'utf8')).summary).toEqual(JSON.parse(readFileSync(join(local, 'download_summary.json'), 'utf8')).summary)
    // more processes than shards: one per shard; a finished download starts none
    const again = await download(out, ['--processes', '8'])
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.json).toMatchObject({processes: FILES, images: {shards_downloaded: 0, shards_skipped: FILES}})
    // the progress a terminal sees is the children's, summed
    const shown = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', join(root, 'processes-shown'), '--timeout', '2', '--yes', '--processes', '2'], {env})
    expect(shown.exitCode, shown.stderr).toBe(0)
    expect(shown.stderr).toMatch(/images.*of 2 processes running/)
  }, 180_000)

  it('--processes: a process that fails is one line with its own code and message; a rerun resumes', async () => {
    const out = join(root, 'processes-fail')
    expect((await download(out, ['--metadata-only'])).exitCode).toBe(0)
    // shard 1 (process 2 of 2, round-robin) cannot be written: a folder holds its tar's name
    mkdirSync(join(out, 'shards', '00000001.tar'), {recursive: true})
    const failed = await download(out, ['--skip-metadata', '--processes', '2'])
    expect(failed.exitCode).toBe(3)
    expect(failed.json.error.code).toBe('DCB_DISK_WRITE')
    expect(failed.json.error.message).toMatch(/^download process 2\/2 \(--shards 0-2 --shard 2\/2\): .*shards: cannot write shard 1: EISDIR: .*00000001\.tar'; what was finished is kept$/)
    rmSync(join(out, 'shards', '00000001.tar'), {recursive: true})
    const rerun = await download(out, ['--skip-metadata', '--processes', '2'])
    expect(rerun.exitCode, rerun.stderr).toBe(0)
    expect(await members(out)).toEqual(await members(local))

    for (const args of [['--executor', 'slurm'], ['--shard', '1/2'], ['--metadata-only']]) {
      const refused = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--skip-metadata', '--yes', '--processes', '2', ...args], {env: {...env, SLURM_CONF: '/nonexistent/slurm.conf'}})
      expect(refused.exitCode).toBe(2)
      expect(refused.stderr.trim().split('\n')[0]).toMatch(/^error \[DCB_USAGE\]: --processes /)
    }
  }, 180_000)

  it('DCLM refuses --shard, --executor slurm and --processes in one line: its files come from S3 in one process', async () => {
    for (const args of [['--shard', '1/2'], ['--executor', 'slurm'], ['--processes', '2']]) {
      const result = await runBench(['pool', 'download', '--benchmark', 'dclm', '--scale', '400m-1x', '--out', join(root, 'dclm'), '--list-only', ...args], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
      expect(result.exitCode).toBe(2)
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^error \[DCB_USAGE\]: --(shard|executor slurm|processes 2) splits DataComp's image shards; DCLM's pool files are fetched from S3 by one process$/)
    }
  })

  describe.skipIf(slurmSkipReason)('--executor slurm (a job array on the test cluster)', () => {
    beforeAll(async () => {
      await startSlurmCluster()
    })

    it('--dry-run --json plans the array from the metadata in OUT and submits nothing', async () => {
      const out = join(root, 'dry')
      expect((await download(out, ['--metadata-only'])).exitCode).toBe(0)
      const dry = await download(out, ['--executor', 'slurm', '--tasks', '2', '--dry-run'], {SLURM_CONF: '/nonexistent/slurm.conf'})
      expect(dry.exitCode, dry.stderr).toBe(0)
      expect(dry.json).toMatchObject({executor: 'slurm', dry_run: true, slurm_job_id: null, tasks: 2, images: {planned: {first: 0, last: FILES - 1, todo: FILES}}})
      expect(dry.json.sbatch_script).toContain('#SBATCH --array=1-2')
      expect(dry.json.sbatch_script).toContain('--skip-metadata --yes')
      expect(dry.json.sbatch_script).toContain(`--shards 0-${FILES - 1} --shard "$SLURM_ARRAY_TASK_ID"/2`)
      expect(existsSync(join(out, 'shards'))).toBe(false)
      expect(existsSync(join(out, 'slurm'))).toBe(false)

      const noMetadata = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', join(root, 'empty'), '--executor', 'slurm', '--dry-run'], {env: {SLURM_CONF: '/nonexistent/slurm.conf'}})
      expect(noMetadata.exitCode).toBe(2)
      expect(noMetadata.stderr).toMatch(/error \[DCB_POOL_INPUT\]: no \.parquet files in .*empty\/metadata, and hub requests are off \(--offline, --skip-metadata, HF_HUB_OFFLINE=1 or --dry-run\)/)
    }, 120_000)

    it('downloads the shards on the nodes: the same members and counts as a local download, summed up here', async () => {
      const out = join(root, 'slurm')
      const hitsBefore = web.requests.length
      const result = await download(out, ['--executor', 'slurm', '--tasks', '2'], slurmEnv)
      expect(result.exitCode, JSON.stringify(result.json)).toBe(0)
      expect(result.json).toMatchObject({executor: 'slurm', dry_run: false, tasks: 2, images: {shards_total: FILES, shards_downloaded: FILES, shards_skipped: 0, summary: {shards_done: FILES, count: FILES * ROWS, successes: FILES * (ROWS - 1)}}})
      expect(result.json.slurm_job_id).toMatch(/^\d+$/)
      // each image fetched once (dead links: 1 + 2 retries), by the nodes
      expect(web.requests.length - hitsBefore).toBe(FILES * (ROWS - 1) + FILES * 3)
      expect(await members(out)).toEqual(await members(local))
      expect(statusCounts(out)).toEqual(statusCounts(local))
      expect(JSON.parse(readFileSync(join(out, 'download_summary.json'), 'utf8')).summary).toEqual(JSON.parse(readFileSync(join(local, 'download_summary.json'), 'utf8')).summary)
      for (const task of [1, 2]) expect(readFileSync(join(out, 'slurm', `pool-download-${result.json.slurm_job_id}_${task}.out`), 'utf8')).toContain('# dcbench: array job')

      const again = await download(out, ['--executor', 'slurm', '--tasks', '2'], slurmEnv)
      expect(again.exitCode, again.stderr).toBe(0)
      expect(again.json).toMatchObject({slurm_job_id: null, images: {shards_downloaded: 0, shards_skipped: FILES}})
    }, 300_000)
  })
})
