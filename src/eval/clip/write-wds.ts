import {createWriteStream} from 'node:fs'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import tar from 'tar-stream'

import {tempPathFor} from '../../util/atomic-write.js'

/** One sample to write: its key and members by extension (`jpg`, `cls`, `npy`, `txt`, `0.jpg`…). */
export interface SampleToWrite {
  key: string
  members: Record<string, Uint8Array | string>
}

export interface WriteEvalDatasetOptions {
  /** Folder to create (replaced atomically: written beside it, then renamed). */
  dir: string
  classnames?: readonly string[]
  templates?: readonly string[]
  /** Written to dataset_type.txt when given (retrieval, winogavil…); absent means classification. */
  datasetType?: string
  samples: Iterable<SampleToWrite> | AsyncIterable<SampleToWrite>
  /** Samples per tar shard. */
  samplesPerShard?: number
  /** Further files at the top of the folder (name → content), written before the rename. */
  extraFiles?: Record<string, string>
}

/**
 * Writes a test set in DataComp's eval layout (spec §4.3): classnames.txt,
 * zeroshot_classification_templates.txt, optional dataset_type.txt, test/nshards.txt and
 * test/0.tar … with members `<key>.<ext>` in sample order. Returns the number of samples.
 */
export async function writeEvalDataset(options: WriteEvalDatasetOptions): Promise<number> {
  const temp = tempPathFor(options.dir)
  await mkdir(join(temp, 'test'), {recursive: true})
  const perShard = options.samplesPerShard ?? 10_000
  let count = 0
  let shards = 0
  let pack: tar.Pack | undefined
  let done: Promise<void> | undefined
  const close = async (): Promise<void> => {
    if (!pack) return
    pack.finalize()
    await done
    pack = undefined
  }
  try {
    if (options.classnames) await writeFile(join(temp, 'classnames.txt'), `${options.classnames.join('\n')}\n`)
    if (options.templates) await writeFile(join(temp, 'zeroshot_classification_templates.txt'), `${options.templates.join('\n')}\n`)
    if (options.datasetType) await writeFile(join(temp, 'dataset_type.txt'), `${options.datasetType}\n`)
    for (const [name, content] of Object.entries(options.extraFiles ?? {})) await writeFile(join(temp, name), content)
    for await (const sample of options.samples) {
      if (!pack || count % perShard === 0) {
        await close()
        pack = tar.pack()
        done = pipeline(pack, createWriteStream(join(temp, 'test', `${shards++}.tar`)))
      }
      for (const [ext, data] of Object.entries(sample.members)) {
        const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
        pack.entry({name: `${sample.key}.${ext}`, size: body.length, mtime: new Date(0), mode: 0o644}, body)
      }
      count++
    }
    await close()
    await writeFile(join(temp, 'test', 'nshards.txt'), `${shards}\n`)
    await mkdir(dirname(options.dir), {recursive: true})
    await rm(options.dir, {recursive: true, force: true})
    await rename(temp, options.dir)
  } catch (error) {
    pack?.destroy()
    await rm(temp, {recursive: true, force: true})
    throw error
  }
  return count
}

/** A `.npy` (v1.0) holding a 1-D little-endian int64 vector: the metadata member of WILDS/fairness samples. */
export function npyInt64Vector(values: readonly number[]): Uint8Array {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${values.length},), }`
  const total = 10 + header.length + 1
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const out = new Uint8Array(10 + header.length + 8 * values.length)
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0])
  new DataView(out.buffer).setUint16(8, header.length, true)
  out.set(Buffer.from(header, 'latin1'), 10)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => view.setBigInt64(10 + header.length + 8 * i, BigInt(v), true))
  return out
}
