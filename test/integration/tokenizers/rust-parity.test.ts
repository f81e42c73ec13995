import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Tokenizer as RustTokenizer} from '@anush008/tokenizers'
import {describe, expect, it} from 'vitest'

import {loadTokenizer} from '../../../src/tokenizers/hf-tokenizer.js'
import {sharedDir} from '../../helpers/shared.js'

// The reference is Hugging Face's Rust `tokenizers` library (0.22, through its Node binding, a dev
// dependency): the implementation transformers — and so llm-foundry — tokenizes with.
const file = join(sharedDir(), 'data/tokenizers/gpt-neox-20b/tokenizer.json')

/** Strings of the real ICL files as the prompts use them: each field, and each with a leading space. */
function iclStrings(): string[] {
  const root = join(sharedDir(), 'data/icl')
  const strings: string[] = []
  for (const group of readdirSync(root)) {
    for (const name of readdirSync(join(root, group))) {
      const lines = readFileSync(join(root, group, name), 'utf8').split('\n').filter((l) => l.trim() !== '')
      let nonAscii = 0
      lines.forEach((line, i) => {
        const values = Object.values(JSON.parse(line) as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v : [v]))
        for (const v of values) {
          if (typeof v !== 'string') continue
          // The first 100 records of each file, and up to 100 more strings with non-ASCII text.
          const unusual = /[^\t-~]/.test(v) && nonAscii++ < 100
          if (i < 100 || unusual) strings.push(v, ` ${v.trim()}`)
        }
      })
    }
  }
  return strings
}

describe('GPT-NeoX-20B ids against the Rust tokenizers library', () => {
  it('agrees on every sampled string of the real ICL data', async () => {
    const strings = [...iclStrings(), 'a\u0085b', 'x\ufeff\ufeff y', '\u2028line', 'tab\t\tx', '   three', 'end  ']
    expect(strings.length).toBeGreaterThan(5_000)
    const rust = RustTokenizer.fromFile(file)
    const ours = loadTokenizer(file)
    const reference = await rust.encodeBatch(strings, {addSpecialTokens: false})
    const mismatches = strings.filter((s, i) => JSON.stringify(ours.encode(s)) !== JSON.stringify(reference[i]!.getIds()))
    expect(mismatches.slice(0, 3)).toEqual([])
  })
})
