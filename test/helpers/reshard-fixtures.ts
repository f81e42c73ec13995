import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {recordBytes, sortUidRecords, uidRecord, UID_RECORD_WORDS} from '../../src/pool/index.js'
import {iterateDataCompSamples} from '../../src/benchmarks/datacomp/pool-shards.js'
import {iterateDclmDocuments} from '../../src/benchmarks/dclm/documents.js'
import {synthesizeDataComp} from '../../src/benchmarks/datacomp/synth-pool.js'
import {synthesizeDclm} from '../../src/benchmarks/dclm/synth-pool.js'
import {uidNpyHeader} from '../../src/subset/index.js'

/** Writes a sorted DataComp-format `.npy` subset holding each uid as many times as `counts` says. */
export async function writeSubsetNpy(file: string, counts: ReadonlyMap<string, number>): Promise<void> {
  const uids = [...counts].flatMap(([uid, n]) => Array.from({length: n}, () => uid))
  const words = new Uint32Array(uids.length * UID_RECORD_WORDS)
  uids.forEach((uid, i) => words.set(uidRecord(uid), i * UID_RECORD_WORDS))
  sortUidRecords(words, uids.length)
  await writeFile(file, Buffer.concat([uidNpyHeader(uids.length), recordBytes(words)]))
}

/**
 * A small real DataComp pool (bench pool synth's generator) of `shards` tars of `perShard` samples —
 * several pool shards are made as separate synth runs with different seeds, renumbered. With
 * `downloadFailures`, each shard's stats record that many failed downloads, as a downloaded pool's
 * img2dataset stats do (a complete synthetic pool records 0).
 */
export async function makeDataCompPool(dir: string, options: {shards?: number; perShard?: number; downloadFailures?: number} = {}): Promise<{uids: string[]}> {
  await mkdir(join(dir, 'shards'), {recursive: true})
  for (let s = 0; s < (options.shards ?? 1); s++) {
    const part = await mkdtemp(join(tmpdir(), 'dcbench-pool-part-'))
    await synthesizeDataComp({dir: part, count: options.perShard ?? 100, seed: 100 + s, scale: 'tiny'})
    const name = String(s).padStart(8, '0')
    await copyFile(join(part, 'shards/00000000.tar'), join(dir, 'shards', `${name}.tar`))
    const stats = JSON.parse(await readFile(join(part, 'shards/00000000_stats.json'), 'utf8')) as {count: number; failed_to_download: number}
    stats.failed_to_download = options.downloadFailures ?? 0
    stats.count += stats.failed_to_download
    await writeFile(join(dir, 'shards', `${name}_stats.json`), `${JSON.stringify(stats, null, 2)}\n`)
    await rm(part, {recursive: true, force: true})
  }
  await writeFile(join(dir, 'pool.json'), `${JSON.stringify({benchmark: 'datacomp', scale: 'tiny'})}\n`)
  const uids: string[] = []
  for await (const sample of iterateDataCompSamples(dir)) uids.push(sample.uid)
  return {uids}
}

/** A small real DCLM pool (bench pool synth's generator); returns its document ids in pool order. */
export async function makeDclmPool(dir: string, targetWords = 20_000): Promise<{ids: string[]; texts: Map<string, string>; files: number}> {
  const result = await synthesizeDclm({dir, targetWords, seed: 7})
  await writeFile(join(dir, 'pool.json'), `${JSON.stringify({benchmark: 'dclm', scale: 'tiny', world_seed: 7})}\n`)
  const ids: string[] = []
  const texts = new Map<string, string>()
  for await (const doc of iterateDclmDocuments(dir)) {
    ids.push(doc.id)
    texts.set(doc.id, doc.text)
  }
  return {ids, texts, files: result.files.length}
}

/**
 * A DCLM pool of two document files, for what splits a pool by file (`--shard i/N`, the SLURM arrays):
 * the synthesizer writes one file per 10,000s of documents, so two seeds' files (7, 8) go side by side
 * as documents/00000007.jsonl.zst and 00000008.jsonl.zst. Returns the two files in pool order.
 */
export async function makeTwoFileDclmPool(dir: string): Promise<{files: string[]}> {
  await mkdir(join(dir, 'documents'), {recursive: true})
  const files: string[] = []
  for (const seed of [7, 8]) {
    const part = await mkdtemp(join(tmpdir(), 'dcbench-pool-part-'))
    await synthesizeDclm({dir: part, targetWords: 15_000, seed})
    const file = join(dir, 'documents', `0000000${seed}.jsonl.zst`)
    await copyFile(join(part, 'documents', '00000000.jsonl.zst'), file)
    await rm(part, {recursive: true, force: true})
    files.push(file)
  }
  return {files}
}
