import {createReadStream, createWriteStream, type WriteStream} from 'node:fs'
import {copyFile, mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'
import {finished} from 'node:stream/promises'
import {gzipSync} from 'node:zlib'

import {DcbError} from '../../errors.js'
import {compressionOf} from '../../pool/compression.js'
import {iterateDocumentFile, listDclmDocumentFiles} from './documents.js'
import {loadSubset} from '../../subset/lookup.js'
import type {SubsetRecordLimit} from '../../subset/record-limit.js'
import {loadTokenizer, shippedTokenizerFile} from '../../tokenizers/index.js'
import type {DclmScaleRecipe} from './recipe.js'
import type {ProgressListener} from '../../ui/progress.js'
import {removeStaleTemps, tempPathFor} from '../../util/atomic-write.js'
import {harnessVersion} from '../../util/paths.js'
import {createRng, type Rng} from '../../util/rng.js'
import {pad8, poolIndexSha256, readJsonIfExists} from '../../runner/reshard/out-dir.js'
import {TarShardWriter} from '../../runner/reshard/tar-shard.js'

/**
 * DCLM tokenize + shuffle, as `tokshuf-rs` does it (dclm spec §3): each selected document's `text`
 * is tokenized with the recipe's tokenizer and followed by EOT; per input file the tokens are
 * concatenated and cut into contexts of `seq_len + 1`, the file's remainder padded to one last
 * context; contexts go to seeded random "local cells" on disk, each cell is shuffled and the stream
 * cut into `shard_XXXXXXXX.tar` of `sequencesPerShard` gzipped JSON token lists (the last shard may be
 * short), listed in `manifest.jsonl`. A document the subset names k times is used k times.
 *
 * dcbench adds `tokenizer.json` (the tokenizer that made the ids) and `tokenized.json` (written last;
 * its presence means complete). The folder is built beside the target and renamed into place, so an
 * interrupted run leaves nothing; running it again starts over. Memory: one cell (`cellBytes`).
 *
 * Differences from tokshuf-rs, on purpose: the shuffle uses dcbench's seeded generator (same seed, same
 * bytes on every machine); the padding id is the tokenizer's `<|padding|>` (tokshuf-rs pads with
 * vocab_size + 2, an id outside the model's embedding for the tiny vocabulary).
 */

/** tokshuf-rs `--wds-chunk-size`. */
export const DCLM_SEQUENCES_PER_SHARD = 8192
export const TOKENIZED_FORMAT = 'dcbench.tokenized/1'
const DEFAULT_CELL_BYTES = 256 << 20

/** `DATA/tokenized.json`. */
export interface TokenizedManifest {
  format: typeof TOKENIZED_FORMAT
  benchmark: 'dclm'
  scale: string
  tokenizer: string
  seq_len: number
  eot_token_id: number
  pad_token_id: number
  seed: number
  subset: {file: string; format: string; fingerprint: string; size: number; unique: number}
  pool: {dir: string; files: number; documents_read: number; index_sha256: string | null}
  /** Documents used (repeats counted) and subset records with no document in the pool. */
  documents: number
  missing: number
  /** Pool documents the subset selects whose id an earlier document already had (both are used). */
  pool_duplicates: number
  /** Tokens of the documents including their EOT, and padding tokens added. */
  tokens: number
  padding_tokens: number
  sequences: number
  sequences_per_shard: number
  shards: {name: string; num_sequences: number; bytes: number; sha256: string}[]
  harness_version: string
}

export interface ReshardDclmOptions {
  subsetFile: string
  poolDir: string
  outDir: string
  recipe: DclmScaleRecipe
  /** A tokenizer.json for recipes whose tokenizer dcbench does not ship (the official gpt-neox-20b). */
  tokenizerFile?: string
  sequencesPerShard?: number
  /** The most records the subset may hold (see subset/record-limit.ts). */
  recordLimit: SubsetRecordLimit
  /** Bytes of contexts per local cell (memory for the shuffle). */
  cellBytes?: number
  onProgress?: ProgressListener
}

export interface ReshardDclmResult {
  manifest: TokenizedManifest
  alreadyComplete: boolean
}

/** What a reshard and its completeness check both read first: the recipe's tokenizer, the subset, the pool's files. */
async function dclmInputs(options: ReshardDclmOptions) {
  const {recipe} = options
  const tokenizerName = recipe.recipe.tokenizer
  const tokenizerFile = options.tokenizerFile ?? shippedTokenizerFile(tokenizerName)
  if (!tokenizerFile) {
    throw new DcbError('DCB_TOKENIZER', `the ${recipe.scale} recipe tokenizes with '${tokenizerName}', which dcbench does not ship`, {
      suggestions: [`download its tokenizer.json and pass --tokenizer FILE`],
    })
  }
  const tokenizer = loadTokenizer(tokenizerFile)
  const subset = await loadSubset(options.subsetFile, {recordLimit: options.recordLimit})
  const files = await listDclmDocumentFiles(options.poolDir)
  return {outDir: resolve(options.outDir), seqLen: recipe.recipe.model_config.seq_len, seed: recipe.recipe.seed, tokenizerName, tokenizerFile, tokenizer, subset, files}
}

/** OUT's tokenized.json when it records this subset, tokenizer, sequence length and seed; undefined when OUT has none; refuses another's. */
async function finishedTokenized(inputs: Awaited<ReturnType<typeof dclmInputs>>): Promise<ReshardDclmResult | undefined> {
  const {outDir, subset, tokenizerName, seqLen, seed} = inputs
  const existing = await readJsonIfExists<TokenizedManifest>(join(outDir, 'tokenized.json'))
  if (!existing) return undefined
  if (existing.subset?.fingerprint === subset.fingerprint && existing.tokenizer === tokenizerName && existing.seq_len === seqLen && existing.seed === seed) {
    return {manifest: existing, alreadyComplete: true}
  }
  throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: already holds tokenized data of another subset or recipe`, {suggestions: ['choose an empty --out folder']})
}

/**
 * `reshardDclm`'s own check of OUT, writing nothing: its result where OUT already holds this subset's
 * tokenized data, undefined where it does not (`bench reshard --executor slurm` asks before submitting).
 */
export async function completeDclmReshard(options: ReshardDclmOptions): Promise<ReshardDclmResult | undefined> {
  return finishedTokenized(await dclmInputs(options))
}

export async function reshardDclm(options: ReshardDclmOptions): Promise<ReshardDclmResult> {
  const inputs = await dclmInputs(options)
  const {outDir, seqLen, seed, tokenizerName, tokenizerFile, tokenizer, subset, files} = inputs
  const context = seqLen + 1
  const perShard = options.sequencesPerShard ?? DCLM_SEQUENCES_PER_SHARD
  const eot = options.recipe.recipe.eot_token_id
  const pad = tokenizer.tokenToId('<|padding|>') ?? eot

  const already = await finishedTokenized(inputs)
  if (already) return already
  const outInfo = await stat(outDir).catch(() => undefined)
  if (outInfo && (!outInfo.isDirectory() || (await readdir(outDir)).length > 0)) {
    throw new DcbError('DCB_RESHARD_OUT', `output ${outDir}: exists and is not an empty folder`, {suggestions: ['choose an empty or new --out folder']})
  }

  await mkdir(dirname(outDir), {recursive: true})
  // the temporary folder of a killed run is never resumed (this resharder starts over): remove it
  await removeStaleTemps(outDir)
  const temp = tempPathFor(outDir)
  await mkdir(join(temp, 'cells'), {recursive: true})
  try {
    // 1. tokenize every selected document into contexts, spread over local cells
    let estimated = 0
    for (const file of files) estimated += (await stat(file)).size * (compressionOf(file) === 'none' ? 1 : 4)
    const cellCount = Math.max(1, Math.ceil(estimated / (options.cellBytes ?? DEFAULT_CELL_BYTES)))
    const rng = createRng(`tokshuf:${seed}`)
    const cellRng = rng.fork('cells')
    const cells = Array.from({length: cellCount}, (_, i) => createWriteStream(join(temp, 'cells', `${pad8(i)}.bin`)))
    const cellCounts = new Array<number>(cellCount).fill(0)
    let documentsRead = 0
    let duplicates = 0
    let documents = 0
    let tokens = 0
    let padding = 0
    let sequences = 0
    const emit = async (ctx: Int32Array): Promise<void> => {
      const cell = cellRng.int(cellCount)
      cellCounts[cell] = (cellCounts[cell] as number) + 1
      sequences++
      if (!(cells[cell] as WriteStream).write(Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength))) {
        await new Promise<void>((r) => (cells[cell] as WriteStream).once('drain', () => r()))
      }
    }
    for (const file of files) {
      let buffer = new Int32Array(context * 64)
      let used = 0
      for await (const doc of iterateDocumentFile(file)) {
        documentsRead++
        const {count: times, again} = subset.take(doc.id)
        if (again) duplicates++
        if (times > 0) {
          const ids = tokenizer.encode(doc.text)
          for (let t = 0; t < times; t++) {
            const need = used + ids.length + 1
            if (need > buffer.length) {
              const grown = new Int32Array(Math.max(need, buffer.length * 2))
              grown.set(buffer.subarray(0, used))
              buffer = grown
            }
            buffer.set(ids, used)
            buffer[used + ids.length] = eot
            used = need
            tokens += ids.length + 1
            documents++
          }
          let offset = 0
          while (used - offset >= context) {
            await emit(buffer.slice(offset, offset + context))
            offset += context
          }
          buffer.copyWithin(0, offset, used)
          used -= offset
        }
        if (documentsRead % 1000 === 0) options.onProgress?.({done: documentsRead, detail: `tokenizing: ${sequences} sequences`})
      }
      if (used > 0) {
        const last = new Int32Array(context).fill(pad)
        last.set(buffer.subarray(0, used))
        padding += context - used
        await emit(last)
      }
    }
    await Promise.all(cells.map(async (s) => {
      s.end()
      await finished(s)
    }))
    options.onProgress?.({done: documentsRead, detail: `tokenized: ${sequences} sequences`})

    // 2. shuffle each cell and cut the stream into shards
    const shards: TokenizedManifest['shards'] = []
    const uuidRng = rng.fork('uuids')
    let writer: TarShardWriter | undefined
    let inShard = 0
    let written = 0
    const closeShard = async (): Promise<void> => {
      if (!writer) return
      const name = basename(writer.path, '.tar')
      const result = await writer.close()
      shards.push({name, num_sequences: inShard, bytes: result.bytes, sha256: result.sha256})
      writer = undefined
      inShard = 0
    }
    for (let c = 0; c < cellCount; c++) {
      const data = await readCell(join(temp, 'cells', `${pad8(c)}.bin`))
      const count = cellCounts[c] as number
      const order = rng.fork(`cell-${c}`).shuffle(Array.from({length: count}, (_, i) => i))
      for (const index of order) {
        writer ??= new TarShardWriter(join(temp, `shard_${pad8(shards.length)}.tar`))
        const ctx = data.subarray(index * context, (index + 1) * context)
        await writer.add(`${uuid(uuidRng)}.json.gz`, gzipSync(`[${ctx.join(',')}]`))
        inShard++
        written++
        if (inShard === perShard) await closeShard()
        if (written % 1000 === 0) options.onProgress?.({done: written, total: sequences, detail: 'writing shards'})
      }
      await rm(join(temp, 'cells', `${pad8(c)}.bin`))
    }
    await closeShard()
    await rm(join(temp, 'cells'), {recursive: true, force: true})

    const manifestLines = shards.map((s) => `${JSON.stringify({shard: s.name, num_sequences: s.num_sequences}).replace(/":/g, '": ').replace(/,"/g, ', "')}\n`)
    await writeFile(join(temp, 'manifest.jsonl'), manifestLines.join(''))
    await copyFile(tokenizerFile, join(temp, 'tokenizer.json'))
    const manifest: TokenizedManifest = {
      format: TOKENIZED_FORMAT,
      benchmark: 'dclm',
      scale: options.recipe.scale,
      tokenizer: tokenizerName,
      seq_len: seqLen,
      eot_token_id: eot,
      pad_token_id: pad,
      seed,
      subset: {file: resolve(options.subsetFile), format: subset.format, fingerprint: subset.fingerprint, size: subset.size, unique: subset.unique},
      pool: {dir: resolve(options.poolDir), files: files.length, documents_read: documentsRead, index_sha256: await poolIndexSha256(options.poolDir)},
      documents,
      missing: subset.missing(),
      pool_duplicates: duplicates,
      tokens,
      padding_tokens: padding,
      sequences,
      sequences_per_shard: perShard,
      shards,
      harness_version: harnessVersion(),
    }
    await writeFile(join(temp, 'tokenized.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    if (outInfo) await rm(outDir, {recursive: true})
    await rename(temp, outDir)
    return {manifest, alreadyComplete: false}
  } catch (error) {
    await rm(temp, {recursive: true, force: true})
    throw error
  }
}

async function readCell(file: string): Promise<Int32Array> {
  const chunks: Buffer[] = []
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer)
  const bytes = Buffer.concat(chunks)
  const out = new Int32Array(bytes.byteLength / 4)
  new Uint8Array(out.buffer).set(bytes)
  return out
}

/** A version-4-shaped uuid from the seeded generator (tokshuf-rs uses random uuids; these are reproducible). */
function uuid(rng: Rng): string {
  const hex = Array.from({length: 4}, () => rng.uint32().toString(16).padStart(8, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16] as string, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
