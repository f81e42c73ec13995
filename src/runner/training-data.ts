import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import type {TrainingDataFacts} from '../benchmarks/benchmark.js'

/** What every training-data manifest written by `bench reshard` says of the subset it came from. */
export interface TrainingDataManifest {
  format: string
  subset: {fingerprint: string; size: number}
  pool: {index_sha256: string | null}
  shards?: unknown[]
}

export interface ReadTrainingDataOptions {
  dataDir: string
  /** The benchmark's id (for messages and the suggested command). */
  benchmark: string
  /** The manifest's file name in the folder (DataComp `manifest.json`, DCLM `tokenized.json`). */
  file: string
  /** Its `format` value. */
  format: string
}

export interface ReadTrainingDataChecks<T> {
  /** The benchmark's own checks of the manifest (tokenizer, sequence length…), before the shard count. */
  check?: (doc: T, file: string) => void
}

/**
 * The manifest of a training-data folder, checked to be the benchmark's own and not empty. Every
 * problem is a one-line DcbError naming the folder or file and the command that writes it.
 */
export function readTrainingManifest<T extends TrainingDataManifest>(options: ReadTrainingDataOptions & ReadTrainingDataChecks<T>): T {
  const {dataDir, benchmark, file: name} = options
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    const found = existsSync(dataDir) ? 'not a folder; expected the folder bench reshard writes' : 'no such folder'
    throw new DcbError('DCB_TRAIN_DATA', `training data ${dataDir}: ${found}`, {suggestions: ['write it with bench reshard']})
  }
  const file = join(dataDir, name)
  let doc: T
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as T
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new DcbError('DCB_TRAIN_DATA', `training data ${dataDir}: ${missing ? `no ${name}, so not ${benchmark} training data written by bench reshard` : `${name} is not valid JSON`}`, {
      suggestions: [`bench reshard --benchmark ${benchmark} --subset … --pool … --out ${dataDir}`],
    })
  }
  if (doc?.format !== options.format) throw new DcbError('DCB_TRAIN_DATA', `${file}: format ${JSON.stringify(doc?.format)}, expected ${options.format} (${benchmark} training data)`)
  options.check?.(doc, file)
  if ((doc.shards?.length ?? 0) === 0) throw new DcbError('DCB_TRAIN_DATA', `${file}: no shards; the subset selected nothing from the pool`)
  return doc
}

/** The subset facts a run records from its training data's manifest. */
export function trainingDataFacts(doc: TrainingDataManifest): TrainingDataFacts {
  return {subsetFingerprint: doc.subset.fingerprint, subsetSize: doc.subset.size, poolIndexSha256: doc.pool.index_sha256}
}
