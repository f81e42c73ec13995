import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import {readTarSamples, TarFormatError} from '../../contracts/webdataset.js'
import {DcbError} from '../../errors.js'
import {readTrainingManifest} from '../../runner/training-data.js'
import {loadTokenizer} from '../../tokenizers/index.js'
import {TOKENIZED_FORMAT, type TokenizedManifest} from './reshard.js'

/** One stretch of training text: the tokens between two EOTs of one sequence, decoded. */
export interface TrainingDocument {
  /** `shard_00000000.tar/<member>#<piece>`: the piece-th stretch of the sequence. */
  id: string
  where: string
  text: string
}

/** The largest gunzipped sequence member read (a context is seq_len + 1 ids: a few tens of KiB). */
const MAX_MEMBER_BYTES = 64 << 20

/**
 * The text of a DCLM training-data folder (`bench reshard`'s tokshuf output, docs/contracts.md): each
 * sequence of every shard in the manifest, cut at the EOT and padding tokens and decoded with the
 * folder's own tokenizer.json. tokshuf shuffles sequences, so a document's text is only whole within
 * one sequence; the caller says so in its report.
 */
export async function iterateTrainingDocuments(dataDir: string): Promise<{fingerprint: string; documents: AsyncGenerator<TrainingDocument>}> {
  const manifest = readTrainingManifest<TokenizedManifest>({dataDir, benchmark: 'dclm', file: 'tokenized.json', format: TOKENIZED_FORMAT})
  const tokenizer = loadTokenizer(join(dataDir, 'tokenizer.json'))
  const stops = new Set([manifest.eot_token_id, manifest.pad_token_id])
  async function* documents(): AsyncGenerator<TrainingDocument> {
    for (const shard of manifest.shards) {
      const file = join(dataDir, `${shard.name}.tar`)
      try {
        for await (const sample of readTarSamples(file)) {
          const member = `${sample.key}.json.gz`
          const ids = readSequence(file, member, sample.members.get('json.gz'))
          let piece = 0
          let from = 0
          for (let i = 0; i <= ids.length; i++) {
            if (i < ids.length && !stops.has(ids[i]!)) continue
            if (i > from) {
              const id = `${shard.name}.tar/${member}#${piece++}`
              yield {id, where: id, text: tokenizer.decode(ids.slice(from, i), {skipSpecialTokens: true})}
            }
            from = i + 1
          }
        }
      } catch (error) {
        if (error instanceof DcbError) throw error
        const e = error as NodeJS.ErrnoException
        const problem = e.code === 'ENOENT' ? 'no such file (the manifest lists it)' : error instanceof TarFormatError ? e.message : `not a readable tar (${e.message.split('\n')[0]})`
        throw new DcbError('DCB_TRAIN_DATA', `training data ${file}: ${problem}`)
      }
    }
  }
  return {fingerprint: manifest.subset.fingerprint, documents: documents()}
}

function readSequence(file: string, member: string, bytes: Buffer | undefined): number[] {
  const where = `training data ${file}, member ${member}`
  if (!bytes) throw new DcbError('DCB_TRAIN_DATA', `${where}: no .json.gz member (tokshuf writes one gzipped JSON list per sequence)`)
  let ids: unknown
  try {
    ids = JSON.parse(gunzipSync(bytes, {maxOutputLength: MAX_MEMBER_BYTES}).toString('utf8'))
  } catch (error) {
    throw new DcbError('DCB_TRAIN_DATA', `${where}: not a gzipped JSON list of token ids (${(error as Error).message.split('\n')[0]})`)
  }
  if (!Array.isArray(ids) || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new DcbError('DCB_TRAIN_DATA', `${where}: expected a JSON list of non-negative integer token ids`)
  }
  return ids as number[]
}
