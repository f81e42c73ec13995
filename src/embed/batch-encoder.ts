import type {EmbedItem} from '../benchmarks/benchmark.js'
import {DcbError} from '../errors.js'
import {DecodePool} from '../eval/clip/decode-pool.js'
import {normalizeRows} from '../eval/clip/encode.js'
import {OPENAI_MEAN, OPENAI_STD, type PreprocessConfig} from '../eval/clip/preprocess.js'
import {textTokens} from './text-tokens.js'
import type {Tower} from './tower.js'

/**
 * Turns a batch of records into L2-normalised embedding rows with a tower: images through the CLIP
 * eval's decode workers (open_clip's eval transform at the tower's input size, OpenAI mean/std as the
 * DataComp models use; src/eval/clip/preprocess.ts), texts through the tokenizer of text-tokens.ts.
 */
export interface BatchEncoder {
  /** Preprocessing or tokenization, in words (recorded in embed.json). */
  describe: string
  /** Rows [items.length, dim], normalised (F.normalize: x / max(‖x‖, 1e-12)). */
  encode(items: readonly Extract<EmbedItem, {kind: 'record'}>[]): Promise<{features: Float32Array; dim: number}>
  close(): Promise<void>
}

export function createBatchEncoder(tower: Tower, options: {tokenizer?: string; maxTokens?: number}): BatchEncoder {
  const input = tower.input
  if (input.kind === 'image') {
    const config: PreprocessConfig = {imageSize: input.imageSize, mean: OPENAI_MEAN, std: OPENAI_STD}
    let pool: DecodePool | undefined
    return {
      describe: `open_clip eval transform at ${input.imageSize} px, OpenAI mean/std`,
      async encode(items) {
        const images = items.map((item) => {
          if (!item.image) throw new DcbError('DCB_EMBED_INPUT', `record ${item.row} of part ${item.part} has no image for the image tower`)
          return item.image
        })
        pool ??= new DecodePool(config)
        const pixels = await pool.preprocess(images)
        const {features, dim} = await tower.encodeImages(pixels, images.length)
        pool.recycle(pixels)
        return {features: normalizeRows(features, images.length, dim), dim}
      },
      close: async () => pool?.close(),
    }
  }
  const tokens = textTokens({tokenizerFile: options.tokenizer, contextLength: input.contextLength, maxTokens: options.maxTokens})
  return {
    describe: tokens.describe,
    async encode(items) {
      const texts = items.map((item) => {
        if (item.text === undefined) throw new DcbError('DCB_EMBED_INPUT', `record ${item.row} of part ${item.part} has no text for the text tower`)
        return item.text
      })
      const {ids, mask} = tokens.encode(texts)
      const {features, dim} = await tower.encodeTokens(ids, mask, texts.length, tokens.length)
      return {features: normalizeRows(features, texts.length, dim), dim}
    },
    close: async () => undefined,
  }
}
