import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parquetWriteBuffer} from 'hyparquet-writer'
import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {iterateDataCompSamples, listDataCompShards} from '../../../src/benchmarks/datacomp/pool-shards.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {startFakeDatasetHub, type FakeDatasetHub} from '../../helpers/fake-hub-datasets.js'
import {startImageServer, type ImageServer} from '../../helpers/image-server.js'
import {syntheticImage} from '../../helpers/synthetic-images.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Issue 20: `bench pool download --benchmark datacomp` against a local imitation of the hub (the
 * metadata parquet files of mlfoundations/datacomp_small, served in the hub's API layout) and a
 * loopback web of image hosts (test/helpers/image-server.ts). No network.
 */

const REPO = 'mlfoundations/datacomp_small'
const HUGE = 80 << 20

interface Row {
  path: string
  faces?: number[][]
  /** What the sample becomes: a success, or the error text it is counted under. */
  outcome: string
}

const FILE_A: Row[] = [
  {path: '/a.jpg', faces: [[0.2, 0.2, 0.5, 0.6]], outcome: 'success'},
  {path: '/b.png', outcome: 'success'},
  {path: '/c.webp', outcome: 'success'},
  {path: '/d-gray.jpg', outcome: 'success'},
  {path: '/e-alpha.png', outcome: 'success'},
  {path: '/missing', outcome: 'HTTP Error 404: Not Found'},
  {path: '/hang', outcome: '<urlopen error timed out>'},
  {path: '/redirect', outcome: 'success'},
  {path: '/page.html', outcome: 'Image decoding error'},
  {path: '/noai.jpg', outcome: 'Use of image disallowed by X-Robots-Tag directive'},
  {path: '/huge.jpg', outcome: `response over the ${64 << 20}-byte limit`},
  {path: '/anim.gif', outcome: 'Image decoding error'},
  {path: '/otherbot.jpg', outcome: 'success'},
]
const FILE_B: Row[] = Array.from({length: 5}, (_, i) => ({path: `/f${i}.jpg`, outcome: 'success'}))

const uidOf = (file: number, i: number): string => `${file.toString(16).padStart(16, '0')}${i.toString(16).padStart(16, '0')}`

function metadataParquet(file: number, rows: readonly Row[], base: string, columns: {url?: boolean} = {}): Buffer {
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        {name: 'uid', data: rows.map((_, i) => uidOf(file, i)), type: 'STRING'},
        ...(columns.url === false ? [] : [{name: 'url', data: rows.map((r) => base + r.path), type: 'STRING' as const}]),
        {name: 'text', data: rows.map((r) => `a caption for ${r.path}`), type: 'STRING'},
        {name: 'face_bboxes', data: rows.map((r) => r.faces ?? [])},
      ],
    }),
  )
}

describe('bench pool download --benchmark datacomp (loopback web, local hub)', () => {
  const tmp = useTempDir('dcbench-pool-download-')
  let web: ImageServer
  let hub: FakeDatasetHub
  let pool: string
  let env: Record<string, string>

  beforeAll(async () => {
    const jpeg = (seed: number, w: number, h: number) => syntheticImage(seed, w, h, 'jpg')
    const image = await jpeg(1, 800, 600)
    web = await startImageServer({
      '/a.jpg': {kind: 'bytes', body: image, contentType: 'image/jpeg'},
      '/b.png': {kind: 'bytes', body: await syntheticImage(2, 300, 200, 'png')},
      '/c.webp': {kind: 'bytes', body: await syntheticImage(3, 640, 480, 'webp')},
      '/d-gray.jpg': {kind: 'bytes', body: await sharp(await jpeg(4, 1024, 768)).toColourspace('b-w').jpeg().toBuffer()},
      '/e-alpha.png': {kind: 'bytes', body: await sharp(await jpeg(5, 100, 80)).ensureAlpha(0.5).png().toBuffer()},
      '/hang': {kind: 'hang'},
      '/redirect': {kind: 'redirect', to: '/b.png'},
      '/page.html': {kind: 'bytes', body: Buffer.from('<html><body>not an image</body></html>'), contentType: 'text/html'},
      '/noai.jpg': {kind: 'bytes', body: image, headers: {'X-Robots-Tag': ['otherbot: noindex', 'noai, nofollow']}},
      '/huge.jpg': {kind: 'huge', bytes: HUGE},
      '/anim.gif': {kind: 'bytes', body: await sharp(await jpeg(6, 40, 30)).gif().toBuffer()},
      '/otherbot.jpg': {kind: 'bytes', body: image, headers: {'X-Robots-Tag': 'otherbot: noai'}},
      ...Object.fromEntries(await Promise.all(FILE_B.map(async (r, i) => [r.path, {kind: 'bytes' as const, body: await jpeg(10 + i, 200 + i * 300, 300)}]))),
    })
    hub = await startFakeDatasetHub({
      [REPO]: {files: {'0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a.parquet': metadataParquet(0, FILE_A, web.url), '1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b.parquet': metadataParquet(1, FILE_B, web.url), '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a.npz': Buffer.alloc(2000, 1)}},
      'mlfoundations/datacomp_medium': {files: {'bad.parquet': metadataParquet(0, FILE_A, web.url, {url: false})}},
    })
    env = {HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: '', HF_TOKEN: ''}
    pool = join(tmp(), 'pool')
  }, 120_000)
  afterAll(async () => {
    await web?.close()
    await hub?.close()
  })

  const download = (args: string[], extra: Record<string, string> = {}) =>
    runBenchJson<Record<string, any>>(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', pool, '--timeout', '1', '--yes', ...args], {env: {...env, ...extra}})

  it('prints the sizes first and refuses a download over 10 GB without --yes, before fetching anything', async () => {
    const result = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', join(tmp(), 'refused')], {env})
    expect(result.exitCode, result.stderr).toBe(2)
    expect(result.stderr).toMatch(/images .*~\d/)
    expect(result.stderr).toMatch(/free disk: /)
    expect(result.stderr).toMatch(/DCB_FETCH_CONFIRM/)
    expect(web.requests).toHaveLength(0)
    expect(hub.requests.some((r) => r.path.includes('/resolve/'))).toBe(false)
  })

  it('downloads one shard range, then resumes: finished shards are not fetched again', async () => {
    const first = await download(['--shards', '1-1'])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json.images).toMatchObject({shards_total: 2, shards_in_range: 1, shards_downloaded: 1, shards_skipped: 0})
    expect(readdirSync(join(pool, 'metadata')).sort()).toEqual(['0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a.parquet', '1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b.parquet'])
    expect(web.hits('/f0.jpg')).toBe(1)
    expect(web.hits('/a.jpg')).toBe(0)

    // A killed run's leftovers: a temporary of a dead process, and a tar without its stats file.
    writeFileSync(join(pool, 'shards', '.00000000.tar.999999.deadbeef.partial'), 'partial')
    writeFileSync(join(pool, 'shards', '00000000.tar'), 'cut short')
    const second = await download([])
    expect(second.exitCode, second.stderr).toBe(0)
    expect(second.json.images).toMatchObject({shards_total: 2, shards_downloaded: 1, shards_skipped: 1})
    expect(web.hits('/f0.jpg')).toBe(1)
    expect(readdirSync(join(pool, 'shards')).sort()).toEqual(['00000000.tar', '00000000_stats.json', '00000001.tar', '00000001_stats.json'])

    const third = await download([])
    expect(third.json.images).toMatchObject({shards_downloaded: 0, shards_skipped: 2})
    expect(web.hits('/a.jpg')).toBe(1)
  }, 120_000)

  it("counts every cause in _stats.json as img2dataset does, with 2 retries after a failed try", () => {
    const stats = JSON.parse(readFileSync(join(pool, 'shards', '00000000_stats.json'), 'utf8'))
    const expected: Record<string, number> = {}
    for (const row of FILE_A) expected[row.outcome] = (expected[row.outcome] ?? 0) + 1
    expect(stats).toMatchObject({count: 13, successes: 7, failed_to_download: 4, failed_to_resize: 2})
    expect(stats.status_dict).toEqual(expected)
    expect(Object.keys(stats)).toEqual(['count', 'successes', 'failed_to_download', 'failed_to_resize', 'duration', 'start_time', 'end_time', 'status_dict'])
    expect(web.hits('/missing')).toBe(3)
    expect(web.hits('/a.jpg')).toBe(1)
    expect(web.requests.every((r) => r.userAgent?.includes('(compatible; dcbench;'))).toBe(true)
    const summary = JSON.parse(readFileSync(join(pool, 'download_summary.json'), 'utf8'))
    expect(summary.summary).toMatchObject({shards_done: 2, count: 18, successes: 12, failed_to_download: 4, failed_to_resize: 2})
  })

  it("writes the official layout: {key}.jpg/.json/.txt, 512 px longest side, the uid and img2dataset's metadata in the json", async () => {
    const shards = await listDataCompShards(pool)
    expect(shards.map((s) => [s.tar.slice(pool.length), s.successes])).toEqual([
      ['/shards/00000000.tar', 7],
      ['/shards/00000001.tar', 5],
    ])
    const samples = []
    for await (const sample of iterateDataCompSamples(pool)) samples.push(sample)
    expect(samples).toHaveLength(12)
    const byPath = new Map(samples.map((s) => [JSON.parse(s.members.json!.toString()).url.slice(web.url.length), s]))
    const a = byPath.get('/a.jpg')!
    expect(Object.keys(a.members).sort()).toEqual(['jpg', 'json', 'txt'])
    expect(a.key).toBe('000000000000')
    const meta = JSON.parse(a.members.json!.toString())
    expect(Object.keys(meta)).toEqual(['uid', 'face_bboxes', 'caption', 'url', 'key', 'status', 'error_message', 'width', 'height', 'original_width', 'original_height', 'exif', 'sha256'])
    expect(meta).toMatchObject({uid: uidOf(0, 0), face_bboxes: [[0.2, 0.2, 0.5, 0.6]], caption: 'a caption for /a.jpg', key: '000000000000', status: 'success', width: 512, height: 384, original_width: 800, original_height: 600})
    expect(a.members.json!.toString()).toContain('{\n    "uid": ')
    expect(a.members.txt!.toString()).toBe('a caption for /a.jpg')
    expect(await sharp(a.members.jpg!).metadata()).toMatchObject({format: 'jpeg', width: 512, height: 384})
    expect(await sharp(byPath.get('/d-gray.jpg')!.members.jpg!).metadata()).toMatchObject({width: 512, height: 384, channels: 1})
    expect(await sharp(byPath.get('/b.png')!.members.jpg!).metadata()).toMatchObject({format: 'jpeg', width: 300, height: 200})
    expect(JSON.parse(byPath.get('/redirect')!.members.json!.toString()).url).toBe(`${web.url}/redirect`)
    expect(byPath.get('/f1.jpg')!.key).toBe('000000010001')
  })

  it('bench pool index, filter and reshard run on the result', async () => {
    const index = await runBenchJson<Record<string, any>>(['pool', 'index', pool, '--out', join(tmp(), 'pool.uidx')])
    expect(index.exitCode, index.stderr).toBe(0)
    const subset = join(tmp(), 'all.npy')
    const filtered = await runBenchJson<Record<string, any>>(['filter', '--benchmark', 'datacomp', '--filter', 'none', '--pool', pool, '--out', subset])
    expect(filtered.exitCode, filtered.stderr).toBe(0)
    const resharded = await runBenchJson<Record<string, any>>(['reshard', '--benchmark', 'datacomp', '--subset', subset, '--pool', pool, '--out', join(tmp(), 'resharded')])
    expect(resharded.exitCode, resharded.stderr).toBe(0)
    expect(JSON.stringify(resharded.json)).toMatch(/12/)
  }, 120_000)

  it('--metadata-only --npz fetches the metadata and features only, and an unchanged cache fetches nothing', async () => {
    const out = join(tmp(), 'meta')
    const result = await runBenchJson<Record<string, any>>(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--metadata-only', '--npz'], {env})
    expect(result.exitCode, result.stderr).toBe(0)
    expect(readdirSync(join(out, 'metadata')).sort()).toEqual(['0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a.npz', '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a.parquet', '1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b.parquet'])
    expect(existsSync(join(out, 'shards'))).toBe(false)
    const again = await runBenchJson<Record<string, any>>(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--metadata-only', '--npz'], {env})
    expect(again.json.metadata.downloaded_bytes).toBe(0)
  })

  describe('bad input: one clear line each, nothing half-written', () => {
    it('metadata without a url column', async () => {
      const out = join(tmp(), 'bad-meta')
      const result = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'medium', '--out', out, '--yes', '--timeout', '1'], {env})
      expect(result.exitCode).toBe(2)
      expect(result.stderr).toMatch(/DCB_POOL_INPUT.*bad\.parquet: no 'url' column; columns are 'uid', 'text', 'face_bboxes'/)
      expect(existsSync(join(out, 'shards')) ? readdirSync(join(out, 'shards')) : []).toEqual([])
    })

    it('an unreachable hub', async () => {
      const result = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', join(tmp(), 'unreachable'), '--metadata-only'], {env: {...env, HF_ENDPOINT: 'http://127.0.0.1:9'}})
      expect(result.exitCode).toBe(3)
      expect(result.stderr).toMatch(/DCB_HUB_DOWNLOAD/)
      expect(result.stderr.trim().split('\n').filter((l) => l.includes('DCB_')).length).toBe(1)
    })

    it('a scale without an official pool, and a bad --shards', async () => {
      const tiny = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'tiny', '--out', join(tmp(), 'tiny')], {env})
      expect(tiny.exitCode).toBe(2)
      expect(tiny.stderr).toMatch(/no official pool at this scale/)
      const shards = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', join(tmp(), 'x'), '--shards', '5-2'], {env})
      expect(shards.exitCode).toBe(2)
      expect(shards.stderr).toMatch(/--shards "5-2"/)
    })

    it('a full disk (a 1 MiB tmpfs): DCB_DISK_FULL, no partial shard left', async () => {
      if (process.getuid?.() !== 0) return
      const mount = join(tmp(), 'small-disk')
      mkdirSync(mount)
      const {execa} = await import('execa')
      const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], {reject: false})
      if (mounted.exitCode !== 0) return
      try {
        const out = join(mount, 'pool')
        mkdirSync(join(out, 'metadata'), {recursive: true})
        for (const name of readdirSync(join(pool, 'metadata'))) writeFileSync(join(out, 'metadata', name), readFileSync(join(pool, 'metadata', name)))
        // Fill the disk but for a little, so the first shard cannot be written.
        writeFileSync(join(mount, 'filler'), Buffer.alloc(1024 * 1024 - 300 * 1024))
        const result = await runBench(['pool', 'download', '--benchmark', 'datacomp', '--scale', 'small', '--out', out, '--offline', '--yes', '--timeout', '1'], {env})
        expect(result.stderr).toMatch(/DCB_DISK_FULL/)
        expect(result.exitCode).toBe(3)
        expect(readdirSync(join(out, 'shards')).filter((n) => n.endsWith('.tar') || n.endsWith('.partial'))).toEqual([])
      } finally {
        await execa('umount', [mount], {reject: false})
      }
    }, 60_000)
  })
})
