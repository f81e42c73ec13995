import {existsSync, mkdirSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {shardItems, type Shard} from '../util/shards.js'
import {indexPool, resolvePoolSources, type IndexPoolOptions, type IndexPoolResult} from './index-pool.js'
import {readUidIndexHeader, readUidIndexRecords, writeUidIndex, type UidIndexHeader} from './uid-index.js'
import {sortUidStream} from './uid-sort.js'

/**
 * `bench pool index --shard i/N` and `--merge-shards N` (and the SLURM job array that runs them): shard
 * i indexes every N-th file of the pool (round-robin over the file list a local index reads) into
 * `OUT.shards/i-of-N.uidx`, an ordinary index; the merge streams every part's sorted records through the
 * same bounded-memory sort into OUT. The records are the same multiset of 16-byte uids as a local
 * index's, so OUT — records, counts and sha256 — is byte-identical to it.
 */

/** The folder beside OUT that holds the parts. */
export function indexShardsDir(out: string): string {
  return `${out}.shards`
}

/** Where shard i/N writes its part. */
export function indexShardFile(out: string, shard: Shard): string {
  return join(indexShardsDir(out), `${shard.index}-of-${shard.count}.uidx`)
}

/** Indexes one shard's files into its part. */
export async function indexPoolShard(options: IndexPoolOptions & {shard: Shard}): Promise<IndexPoolResult & {shard: Shard; shard_files: string[]}> {
  const sources = shardItems(await resolvePoolSources(options.inputs), options.shard, 'pool file')
  const out = indexShardFile(options.out, options.shard)
  mkdirSync(indexShardsDir(options.out), {recursive: true})
  const result = await indexPool({...options, inputs: sources.map((s) => s.file), out})
  return {...result, shard: options.shard, shard_files: sources.map((s) => s.file)}
}

async function* concat(headers: UidIndexHeader[]): AsyncGenerator<Uint32Array> {
  for (const header of headers) yield* readUidIndexRecords(header)
}

/** Merges the N parts into OUT (then removes them); refuses, naming it, a part that is missing or of another pool. */
export async function mergePoolIndexShards(options: IndexPoolOptions & {count: number}): Promise<IndexPoolResult & {merged_shards: number}> {
  const sources = await resolvePoolSources(options.inputs)
  const kind = sources[0]?.kind as string
  const headers: UidIndexHeader[] = []
  for (let index = 1; index <= options.count; index++) {
    const shard = {index, count: options.count}
    const file = indexShardFile(options.out, shard)
    const own = shardItems(sources, shard, 'pool file')
    if (!existsSync(file)) {
      throw new DcbError('DCB_POOL_SHARD', `shard ${index}/${options.count}: ${file} is missing; expected the index of its ${own.length} pool file(s)`, {
        suggestions: [`run bench pool index --shard ${index}/${options.count} with the same inputs and --out, then merge again`],
      })
    }
    const header = await readUidIndexHeader(file)
    if (header.kind !== kind) throw new DcbError('DCB_POOL_SHARD', `shard ${index}/${options.count}: ${file} indexes a ${header.kind} pool, the inputs are a ${kind} pool`)
    headers.push(header)
  }
  let runs = 0
  // the parts are sorted runs already; the sort merges them in bounded memory (and refuses nothing a local index accepts)
  const records = sortUidStream(concat(headers), {memoryBytes: options.memoryBytes, tmpDir: options.tmpDir, onRun: () => runs++})
  let done = 0
  const counted = (async function* () {
    for await (const chunk of records) {
      done += chunk.length / 4
      options.onProgress?.({done})
      yield chunk
    }
  })()
  const header = await writeUidIndex({out: options.out, kind, records: counted})
  const expected = headers.reduce((n, h) => n + h.count, 0)
  if (header.count !== expected) throw new DcbError('DCB_POOL_SHARD', `${options.out}: merged ${header.count} records from parts that hold ${expected}`)
  await rm(indexShardsDir(options.out), {recursive: true, force: true})
  return {...header, sources, runs, merged_shards: options.count}
}

