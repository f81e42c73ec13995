import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema} from 'hyparquet'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {iterateDataCompSamples, listDataCompShards} from '../../../src/benchmarks/datacomp/pool-shards.js'
import {SAMPLES_PER_SHARD} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {loadSubset} from '../../../src/subset/index.js'
import {decodeImage, parseCaption} from '../../../src/world/index.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {runPythonCode} from '../../helpers/python-code.js'
import {useTempDir} from '../../helpers/tmp.js'

const SPEC_COLUMNS = ['uid', 'url', 'text', 'original_width', 'original_height', 'sha256', 'clip_b32_similarity_score', 'clip_l14_similarity_score', 'face_bboxes']

describe('bench pool synth --benchmark datacomp --scale tiny (the built CLI)', () => {
  const tmp = useTempDir()
  let root: string
  let pool: string
  let synth: {count: number; qualities: Record<string, number>; files: string[]; junk_fraction: number; seconds: number}
  let rows: Record<string, any>[]

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-dc-pool-'))
    pool = join(root, 'pool')
    const result = await runBenchJson<typeof synth>(['pool', 'synth', '--benchmark', 'datacomp', '--scale', 'tiny', '--out', pool])
    expect(result.exitCode, result.stderr).toBe(0)
    synth = result.json
    const metadataFile = join(pool, synth.files.find((f) => f.endsWith('.parquet'))!)
    rows = (await parquetReadObjects({file: await asyncBufferFromFile(metadataFile)})) as Record<string, any>[]
  }, 300_000)
  afterAll(() => rmSync(root, {recursive: true, force: true}))

  it('writes the img2dataset layout: 8-digit shards of 10,000 samples with stats, metadata named by a 32-hex hash', async () => {
    expect(synth.count).toBe(20_000)
    expect(synth.files).toEqual(['shards/00000000.tar', 'shards/00000001.tar', expect.stringMatching(/^metadata\/[0-9a-f]{32}\.parquet$/)])
    const shards = await listDataCompShards(pool)
    expect(shards).toEqual([
      {tar: join(pool, 'shards/00000000.tar'), successes: SAMPLES_PER_SHARD, failed: 0},
      {tar: join(pool, 'shards/00000001.tar'), successes: SAMPLES_PER_SHARD, failed: 0},
    ])
    const manifest = JSON.parse(readFileSync(join(pool, 'pool.json'), 'utf8'))
    expect(manifest).toMatchObject({benchmark: 'datacomp', scale: 'tiny', seed: 0, count: 20_000, image_size: 64})
  })

  it('has the spec §2.2 metadata columns with their types, then the quality label', async () => {
    const metadataFile = join(pool, synth.files[2]!)
    const schema = parquetSchema(await parquetMetadataAsync(await asyncBufferFromFile(metadataFile)))
    expect(schema.children.map((c) => c.element.name)).toEqual([...SPEC_COLUMNS, 'quality'])
    const types = Object.fromEntries(schema.children.map((c) => [c.element.name, c.element.type ?? c.element.converted_type]))
    expect(types).toMatchObject({uid: 'BYTE_ARRAY', original_width: 'INT64', clip_b32_similarity_score: 'FLOAT', face_bboxes: 'LIST', quality: 'BYTE_ARRAY'})
    expect(rows).toHaveLength(20_000)
    expect(new Set(rows.map((r) => r.uid)).size).toBe(20_000)
    for (const row of rows.slice(0, 500)) {
      expect(row.uid).toMatch(/^[0-9a-f]{32}$/)
      expect(row.face_bboxes).toEqual([])
      expect(typeof row.original_width).toBe('bigint')
    }
  })

  it('shard samples match the metadata: key, uid, caption, image sha256; images are 64x64 JPEGs', async () => {
    let i = 0
    for await (const sample of iterateDataCompSamples(pool)) {
      const row = rows[i]!
      const shard = Math.floor(i / SAMPLES_PER_SHARD)
      expect(sample.key).toBe(`${String(shard).padStart(8, '0')}${String(i % SAMPLES_PER_SHARD).padStart(4, '0')}`)
      expect(Object.keys(sample.members)).toEqual(['jpg', 'txt', 'json'])
      expect(sample.uid).toBe(row.uid)
      expect(sample.members.txt!.toString('utf8')).toBe(row.text)
      const meta = JSON.parse(sample.members.json!.toString('utf8'))
      expect(meta).toMatchObject({uid: row.uid, key: sample.key, caption: row.text, url: row.url, sha256: row.sha256, status: 'success'})
      if (i % 997 === 0) {
        expect(createHash('sha256').update(sample.members.jpg!).digest('hex')).toBe(row.sha256)
        const image = await decodeImage(sample.members.jpg!)
        expect([image.width, image.height]).toEqual([64, 64])
      }
      i++
    }
    expect(i).toBe(20_000)
  })

  it('labels quality truthfully, in the documented proportions, with CLIP-score stand-ins that separate clean from junk', () => {
    const counts: Record<string, number> = {}
    const scores: Record<string, number[]> = {}
    for (const row of rows) {
      counts[row.quality] = (counts[row.quality] ?? 0) + 1
      ;(scores[row.quality] ??= []).push(row.clip_b32_similarity_score)
      const scene = parseCaption(row.text)
      if (row.quality === 'clean') expect(scene, row.text).toBeDefined()
      if (row.quality === 'nondescriptive_caption') expect(scene, row.text).toBeUndefined()
    }
    expect(counts).toEqual(synth.qualities)
    expect(Math.abs(synth.junk_fraction - 0.5)).toBeLessThan(0.02)
    expect(Math.abs(counts.mismatched_caption! / 20_000 - 0.2)).toBeLessThan(0.015)
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(scores.clean!)).toBeGreaterThan(mean(scores.mismatched_caption!) + 0.08)
    expect(mean(scores.mismatched_caption!)).toBeGreaterThan(mean(scores.blank_image!))
    // near-duplicates repeat the caption of an earlier clean sample
    const cleanTexts = new Set(rows.filter((r) => r.quality === 'clean').map((r) => r.text))
    for (const row of rows.filter((r) => r.quality === 'near_duplicate')) expect(cleanTexts.has(row.text)).toBe(true)
  })

  it('indexes the pool from metadata and from shards (external sort) to the same uid index', async () => {
    const dir = tmp()
    const fromMeta = await runBenchJson<{count: number; unique: number; sha256: string; runs: number}>(['pool', 'index', pool, '--out', join(dir, 'a.uidx')])
    expect(fromMeta.exitCode, fromMeta.stderr).toBe(0)
    expect(fromMeta.json).toMatchObject({count: 20_000, unique: 20_000, kind: 'datacomp', runs: 0})
    const fromShards = await runBenchJson<{sha256: string; runs: number}>(['pool', 'index', join(pool, 'shards'), '--out', join(dir, 'b.uidx'), '--memory', '100KiB', '--tmp-dir', dir])
    expect(fromShards.exitCode, fromShards.stderr).toBe(0)
    expect(fromShards.json.runs).toBeGreaterThan(1)
    expect(fromShards.json.sha256).toBe(fromMeta.json.sha256)
    const human = await runBench(['pool', 'index', join(pool, 'metadata'), '--out', join(dir, 'c.uidx')])
    expect(human.stdout).toMatch(/datacomp pool index .*c\.uidx: 20000 uids \(20000 distinct\) from 1 file\n/)
  })

  it('loads a subset written by numpy for lookups: counts with repeats, size, fingerprint', async () => {
    const dir = tmp()
    const picked = rows.slice(0, 300).map((r) => r.uid as string)
    writeFileSync(join(dir, 'uids.txt'), [...picked, picked[0], picked[0], picked[7]].join('\n'))
    await runPythonCode(
      [
        'import sys, numpy as np',
        'uids = open(sys.argv[1]).read().split()',
        'a = np.array([(int(u[:16], 16), int(u[16:], 16)) for u in uids], np.dtype("u8,u8"))',
        'a.sort()',
        'np.save(sys.argv[2], a)',
      ].join('\n'),
      [join(dir, 'uids.txt'), join(dir, 'subset.npy')],
    )
    const subset = await loadSubset(join(dir, 'subset.npy'))
    expect(subset).toMatchObject({format: 'npy', size: 303, unique: 300, sortedInFile: true})
    expect(subset.count(picked[0]!)).toBe(3)
    expect(subset.count(picked[7]!)).toBe(2)
    expect(subset.count(picked[8]!)).toBe(1)
    expect(subset.count(rows[400]!.uid)).toBe(0)
    expect(subset.has(picked[299]!.toUpperCase())).toBe(true)
    const raw = readFileSync(join(dir, 'subset.npy')).subarray(128)
    expect(subset.fingerprint).toBe(createHash('sha256').update(raw).digest('hex'))
  })
})
