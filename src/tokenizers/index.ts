/**
 * Tokenizers: any Hugging Face tokenizer.json (`loadTokenizer`), and the ones dcbench ships by recipe
 * name (`shippedTokenizerFile('dcbench/tiny-world')`). See hf-tokenizer.ts for the library and its patch.
 */
export * from './hf-tokenizer.js'
export * from './tiny-world.js'
export {buildByteLevelBpe, byteToUnicode, type ByteLevelBpeOptions, type ByteLevelBpeTokenizer} from './byte-level-bpe.js'
