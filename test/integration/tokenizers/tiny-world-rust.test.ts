import {Tokenizer as RustTokenizer} from '@anush008/tokenizers'
import {describe, expect, it} from 'vitest'

import {loadShippedTokenizer, shippedTokenizerFile, TINY_WORLD_TOKENIZER} from '../../../src/tokenizers/tiny-world.js'
import {createRng} from '../../../src/util/rng.js'
import {buildTextWorld, cleanDocument, TEXT_VOCABULARY} from '../../../src/world/index.js'

// HF's Rust tokenizers (the library Python code loads tokenizer.json with) must read the committed
// file and agree with the wrapper: the format is right, not just self-consistent.
describe('the tiny-world tokenizer.json in the Rust tokenizers library', () => {
  it('loads and gives the same ids on world text and odd text', async () => {
    const rust = RustTokenizer.fromFile(shippedTokenizerFile(TINY_WORLD_TOKENIZER)!)
    const ours = loadShippedTokenizer(TINY_WORLD_TOKENIZER)
    const world = buildTextWorld(3)
    const rng = createRng('rust-parity')
    const texts = [...Array.from({length: 30}, () => cleanDocument(world, rng)), ...TEXT_VOCABULARY.map((w) => ` ${w}`), 'Ünïcödé 🎉\n\n  tabs\t', "Alice's dog"]
    const reference = await rust.encodeBatch(texts, {addSpecialTokens: false})
    texts.forEach((text, i) => expect(ours.encode(text), text).toEqual(reference[i]!.getIds()))
  })
})
