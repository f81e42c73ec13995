import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import {packageRoot} from '../util/paths.js'
import {TEXT_VOCABULARY} from '../world/index.js'
import {buildByteLevelBpe} from './byte-level-bpe.js'
import {tokenizerFromJson, type TextTokenizer} from './hf-tokenizer.js'

/**
 * The tokenizer of DCLM's `tiny` scale (`tokenizer: dcbench/tiny-world` in tracks/dclm.yaml): byte-level
 * BPE whose merges build every word of the tiny text world (TEXT_VOCABULARY), bare and after a space,
 * plus the GPT-2 split's "'s". World text therefore costs one token per word, any other text still
 * tokenizes byte by byte, and decoding is exact. Committed as tracks/tokenizers/tiny-world.json;
 * `npm run tokenizers` regenerates it and a test checks the bytes are unchanged.
 */
export const TINY_WORLD_TOKENIZER = 'dcbench/tiny-world'

/** The vocabulary ceiling: the tiny recipe's model vocab_size. */
export const TINY_WORLD_MAX_VOCAB = 1536

/** The tokenizer.json text, generated (deterministic). */
export function buildTinyWorldTokenizerJson(): string {
  const {json} = buildByteLevelBpe([...TEXT_VOCABULARY, "'s"], {maxVocabSize: TINY_WORLD_MAX_VOCAB})
  return `${JSON.stringify(json, null, 2)}\n`
}

/** Package-relative files of the tokenizers dcbench ships, by the name a recipe gives. */
const SHIPPED: Readonly<Record<string, string>> = {
  [TINY_WORLD_TOKENIZER]: 'tracks/tokenizers/tiny-world.json',
}

/** The shipped tokenizer.json for a recipe's tokenizer name, or undefined (official tokenizers come from the hub). */
export function shippedTokenizerFile(name: string): string | undefined {
  const rel = SHIPPED[name]
  return rel === undefined ? undefined : join(packageRoot(), rel)
}

/** Loads a shipped tokenizer by recipe name. */
export function loadShippedTokenizer(name: string): TextTokenizer {
  const file = shippedTokenizerFile(name)
  if (!file) throw new DcbError('DCB_TOKENIZER', `no tokenizer named '${name}' ships with dcbench; shipped: ${Object.keys(SHIPPED).join(', ')}`)
  return tokenizerFromJson(JSON.parse(readFileSync(file, 'utf8')), file)
}
