import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import sharp from 'sharp'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEFAULT_CONTAMINATION_SETTINGS} from '../../../src/contamination/check.js'
import {readContaminationReport, type ContaminationReport} from '../../../src/contamination/report.js'
import {writeEvalDataset} from '../../../src/eval/clip/write-wds.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {makeDataCompPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'
import {deadLeavesImage} from '../../helpers/synthetic-images.js'
import {tarFile} from '../../helpers/tar-file.js'

/**
 * `bench subset contamination --benchmark datacomp` through the built CLI: eval sets in DataComp's
 * layout (a classification set and a retrieval set with captions, natural-statistics "dead leaves"
 * images), a real tiny pool (bench pool synth's generator) and a shard of planted samples — eval
 * images re-encoded, resized and cropped within the bounds the check promises, an exact copy, a
 * caption quoting an eval caption, and images that merely look alike in kind.
 */

const CLASSIFICATION = 'cifar10'
const RETRIEVAL = 'retrieval/flickr_1k_test_image_text_retrieval'
const WORDS = ['red', 'dog', 'runs', 'across', 'green', 'field', 'near', 'lake', 'old', 'man', 'sits', 'on', 'wooden', 'bench', 'under', 'tall', 'tree', 'while', 'children', 'play']

function caption(i: number, j: number): string {
  return `a ${Array.from({length: 10}, (_, k) => WORDS[(i * 7 + j * 3 + k * (i + 2)) % WORDS.length]).join(' ')} number ${i} ${j}`
}

let dir: string
let data: string
let pool: string
let cache: string
let cifar: Buffer[]
let flickr: Buffer[]
/** Planted uid → what it must be flagged as: [task, kind, example, method] (none: must stay clean). */
const expected = new Map<string, [string, string, number, string][]>()
const planted: string[] = []
let poolUids: string[]

const uid = (i: number): string => `c0ffee${String(i).padStart(26, '0')}`

type Pipeline = ReturnType<typeof sharp>

async function edit(bytes: Buffer, how: (s: Pipeline, w: number, h: number) => Pipeline): Promise<Buffer> {
  const meta = await sharp(bytes).metadata()
  return how(sharp(bytes), meta.width!, meta.height!).toBuffer()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbench-contamination-dc-'))
  data = join(dir, 'eval')
  pool = join(dir, 'pool')
  cache = join(dir, 'cache')
  cifar = await Promise.all(Array.from({length: 16}, (_, i) => deadLeavesImage(100 + i, 160 + 8 * i, 128 + 4 * i)))
  flickr = await Promise.all(Array.from({length: 8}, (_, i) => deadLeavesImage(300 + i, 200, 150)))
  await writeEvalDataset({dir: join(data, 'wds_cifar10_test'), classnames: ['a', 'b'], templates: ['a photo of a {c}.'], samples: cifar.map((jpg, i) => ({key: `s${i}`, members: {jpg, cls: String(i % 2)}})), samplesPerShard: 10})
  await writeEvalDataset({dir: join(data, 'flickr_1k_test_image_text_retrieval'), datasetType: 'retrieval', samples: flickr.map((jpg, i) => ({key: `f${i}`, members: {jpg, txt: `${caption(i, 0)}\n${caption(i, 1)}\n`}}))})

  const {uids} = await makeDataCompPool(pool, {shards: 1, perShard: 60})
  poolUids = uids
  const samples: {jpg: Buffer; txt: string; flag?: [string, string, number, string]}[] = [
    {jpg: cifar[0]!, txt: 'an exact copy', flag: [CLASSIFICATION, 'images', 0, 'exact']},
    {jpg: await edit(cifar[1]!, (s) => s.jpeg({quality: 50})), txt: 'jpeg q50', flag: [CLASSIFICATION, 'images', 1, 'near']},
    {jpg: await edit(cifar[2]!, (s, w, h) => s.resize(Math.round(w / 2), Math.round(h / 2)).jpeg({quality: 90})), txt: 'half size', flag: [CLASSIFICATION, 'images', 2, 'near']},
    {jpg: await edit(cifar[3]!, (s, w, h) => s.resize(w * 2, h * 2).png()), txt: 'double size', flag: [CLASSIFICATION, 'images', 3, 'near']},
    {jpg: await edit(cifar[4]!, (s, w, h) => s.extract({left: Math.round(w * 0.1), top: Math.round(h * 0.1), width: w - 2 * Math.round(w * 0.1), height: h - 2 * Math.round(h * 0.1)}).jpeg({quality: 90})), txt: 'crop 10 % each side', flag: [CLASSIFICATION, 'images', 4, 'near']},
    {
      jpg: await edit(await edit(cifar[5]!, (s, w, h) => s.extract({left: Math.round(w * 0.08), top: Math.round(h * 0.02), width: w - Math.round(w * 0.08) - Math.round(w * 0.05), height: h - Math.round(h * 0.02) - Math.round(h * 0.1)}).png()), (s, w) => s.resize(Math.round(w * 0.7)).jpeg({quality: 50})),
      txt: 'crop, resize and jpeg',
      flag: [CLASSIFICATION, 'images', 5, 'near'],
    },
    {jpg: await edit(flickr[2]!, (s) => s.jpeg({quality: 60})), txt: 'a retrieval image', flag: [RETRIEVAL, 'images', 2, 'near']},
    {jpg: await deadLeavesImage(5000, 200, 150), txt: `Look at this: ${caption(1, 1)}! Taken last summer.`, flag: [RETRIEVAL, 'captions', 3, 'caption']},
    ...(await Promise.all(Array.from({length: 6}, async (_, i) => ({jpg: await deadLeavesImage(6000 + i, 180, 140), txt: `a different picture with some words about a dog and a lake ${i}`})))),
    {jpg: await edit(cifar[6]!, (s, w, h) => s.extract({left: Math.round(w * 0.3), top: Math.round(h * 0.3), width: Math.round(w * 0.4), height: Math.round(h * 0.4)}).jpeg({quality: 90})), txt: 'a 40 % detail of an eval image: not the same picture'},
  ]
  const members: [string, Buffer | string][] = []
  samples.forEach((s, i) => {
    const key = `00000001${String(i).padStart(4, '0')}`
    members.push([`${key}.jpg`, s.jpg], [`${key}.txt`, s.txt], [`${key}.json`, JSON.stringify({uid: uid(i), key})])
    planted.push(uid(i))
    if (s.flag) expected.set(uid(i), [s.flag])
  })
  writeFileSync(join(pool, 'shards', '00000001.tar'), await tarFile(members))
}, 600_000)

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const args = (): string[] => ['--benchmark', 'datacomp', '--pool', pool, '--data', data, '--tasks', `${CLASSIFICATION},${RETRIEVAL}`, '--cache-dir', cache]

function flagged(report: ContaminationReport): string[] {
  return report.findings.map((f) => `${f.record} ${f.task} ${f.kind} ${f.example} ${f.method}`).sort()
}

const want = (): string[] => [...expected].flatMap(([id, flags]) => flags.map((f) => `${id} ${f.join(' ')}`)).sort()

describe('bench subset contamination --benchmark datacomp', () => {
  it('flags re-encoded, resized and cropped eval images, exact copies and quoted captions at the default distance — and nothing else', async () => {
    const out = join(dir, 'report.json')
    const {exitCode, json} = await runBenchJson<ContaminationReport>(['subset', 'contamination', 'all', ...args(), '--out', out])
    expect(exitCode).toBe(1)
    expect(flagged(json)).toEqual(want())
    expect(json.settings.hamming).toBe(DEFAULT_CONTAMINATION_SETTINGS.hamming)
    for (const f of json.findings.filter((x) => x.method === 'near')) expect(f.distance).toBeLessThanOrEqual(DEFAULT_CONTAMINATION_SETTINGS.hamming)
    expect(json.findings.find((f) => f.method === 'exact')!.eval_key).toBe('s0')
    const quoted = json.findings.find((f) => f.method === 'caption')!
    expect(quoted.span!.text).toBe(caption(1, 1))
    const images = json.tasks.find((t) => t.task === CLASSIFICATION)!.parts[0]!
    expect(images).toMatchObject({kind: 'images', total: 16, found: 6, found_by: {exact: 1, near: 5}})
    const retrieval = json.tasks.find((t) => t.task === RETRIEVAL)!
    expect(retrieval.parts.map((p) => [p.kind, p.total, p.found])).toEqual([['images', 8, 1], ['captions', 16, 1]])
    expect(json.source.records).toBe(poolUids.length + planted.length)
    expect((await readContaminationReport(out)).findings_total).toBe(want().length)
  })

  it('reads the eval index from the cache the second time, with the same findings; npy and csv subsets agree', async () => {
    const chosen = [...poolUids.slice(0, 10), ...planted]
    const npy = join(dir, 'subset.npy')
    await writeSubsetNpy(npy, new Map(chosen.map((u) => [u, 1])))
    const csv = join(dir, 'subset.csv')
    writeFileSync(csv, `uid\n${chosen.join('\n')}\n`)
    const a = await runBenchJson<ContaminationReport>(['subset', 'contamination', npy, ...args()])
    const b = await runBenchJson<ContaminationReport>(['subset', 'contamination', csv, ...args()])
    expect(a.json.notes[0]).toContain('(from the cache)')
    expect(flagged(a.json)).toEqual(want())
    expect(flagged(b.json)).toEqual(flagged(a.json))
    expect(b.json.source.fingerprint).toBe(a.json.source.fingerprint)
  })

  it('checks training data written by bench reshard', async () => {
    const subset = join(dir, 'train-subset.npy')
    await writeSubsetNpy(subset, new Map([...poolUids.slice(0, 5), ...planted].map((u) => [u, 1])))
    const shards = join(dir, 'shards')
    const resharded = await runBench(['reshard', '--benchmark', 'datacomp', '--subset', subset, '--pool', pool, '--out', shards])
    expect(resharded.exitCode, resharded.stderr).toBe(0)
    const {exitCode, json} = await runBenchJson<ContaminationReport>(['subset', 'contamination', '--benchmark', 'datacomp', '--train-data', shards, '--data', data, '--tasks', `${CLASSIFICATION},${RETRIEVAL}`, '--cache-dir', cache])
    expect(exitCode).toBe(1)
    expect(flagged(json)).toEqual(want())
    expect(json.source).toMatchObject({kind: 'train-data', records: 5 + planted.length})
  })

  it('refuses unusable input with one line naming the file, exit 2, no report', async () => {
    const out = join(dir, 'never.json')
    const missing = await runBench(['subset', 'contamination', 'all', '--benchmark', 'datacomp', '--pool', pool, '--data', data, '--tasks', `${CLASSIFICATION},imagenet1k`, '--out', out])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('error [DCB_EVAL_DATA_MISSING]')
    expect(missing.stderr).toContain('imagenet1k (djghosh/wds_imagenet1k_test)')
    expect(missing.stderr).toContain('bench eval fetch --benchmark datacomp')

    const badPool = join(dir, 'bad-pool')
    await makeDataCompPool(badPool, {shards: 1, perShard: 5})
    writeFileSync(join(badPool, 'shards', '00000001.tar'), await tarFile([['000000010000.jpg', 'not a jpeg at all'], ['000000010000.txt', 'caption'], ['000000010000.json', JSON.stringify({uid: uid(99)})]]))
    const broken = await runBench(['subset', 'contamination', 'all', '--benchmark', 'datacomp', '--pool', badPool, '--data', data, '--tasks', CLASSIFICATION, '--cache-dir', cache, '--out', out])
    expect(broken.exitCode).toBe(2)
    expect(broken.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([expect.stringMatching(/^error \[DCB_POOL_INPUT\]: .*00000001\.tar, sample 000000010000: cannot decode the image/)])
    expect(existsSync(out)).toBe(false)
  })
})
