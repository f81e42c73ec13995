import {DcbError} from '../../errors.js'
import {isUidHex} from '../../pool/uid.js'
import {describeRow, openTable, tableFormatOf} from '../../pool/uid-table.js'
import type {PoolSourceType} from '../benchmark.js'
import {iterateShardSamples} from './pool-shards.js'

/**
 * The files of a DataComp pool that name its uids (datacomp spec §2.1–2.5): the metadata tables
 * (`metadata/*.parquet|csv`, column `uid`) and img2dataset's shard tars (the `uid` of each sample's
 * `.json` member). Uids are parsed like the resharder's `int(uid, 16)`: 1–32 hex digits.
 */

const metadata: PoolSourceType = {
  type: 'metadata',
  description: '.parquet or .csv (DataComp metadata)',
  matches: (file) => tableFormatOf(file) !== undefined,
  async *ids(file) {
    const table = await openTable({file, idColumns: ['uid'], errorCode: 'DCB_POOL_INPUT', role: 'pool metadata'})
    for await (const batch of table.batches()) {
      for (const [i, value] of batch.ids.entries()) {
        if (typeof value !== 'string' || !isUidHex(value)) {
          throw new DcbError('DCB_POOL_INPUT', `pool metadata ${file}, ${describeRow(table.format, batch.rowStart + i)}: uid ${JSON.stringify(value)} is not 1–32 hex digits`)
        }
        yield value
      }
    }
  },
}

const shard: PoolSourceType = {
  type: 'shard',
  description: '.tar (DataComp shard)',
  matches: (file) => /\.tar$/i.test(file),
  async *ids(file) {
    // only the json member names the uid: images are read past, never held
    for await (const sample of iterateShardSamples(file, {keep: (ext) => ext === 'json'})) {
      if (!isUidHex(sample.uid)) throw new DcbError('DCB_POOL_INPUT', `DataComp shard ${file}, sample ${sample.key}: uid ${JSON.stringify(sample.uid)} is not 1–32 hex digits`)
      yield sample.uid
    }
  },
}

export const DATACOMP_POOL_SOURCES: readonly PoolSourceType[] = [metadata, shard]
