import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'

import tar from 'tar-stream'
import {describe, expect, it} from 'vitest'

import {reshard} from '../../../src/runner/reshard/index.js'
import {loadShippedTokenizer} from '../../../src/tokenizers/index.js'
import {dclm} from '../../../src/benchmarks/builtins.js'
import {recipeOf} from '../../../src/tracks/index.js'
import {useTempDir} from '../../helpers/tmp.js'
import {makeDclmPool, writeSubsetNpy} from '../../helpers/reshard-fixtures.js'

const tempDir = useTempDir('dcbench-tokshuf-')

async function readShard(file: string): Promise<{name: string; ids: number[]}[]> {
  const extract = tar.extract()
  const {createReadStream} = await import('node:fs')
  createReadStream(file).pipe(extract)
  const out = []
  for await (const entry of extract) {
    const chunks: Buffer[] = []
    for await (const c of entry) chunks.push(c as Buffer)
    out.push({name: entry.header.name, ids: JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as number[]})
  }
  return out
}

describe('bench reshard --benchmark dclm', () => {
  it('tokenizes exactly the subset into shuffled contexts of seq_len + 1, with the tokshuf manifest', async () => {
    const root = tempDir()
    const pool = join(root, 'pool')
    const {ids, texts, files} = await makeDclmPool(pool, 30_000)
    expect(files).toBe(1)
    const counts = new Map<string, number>()
    ids.forEach((id, i) => {
      if (i % 3 !== 0) counts.set(id, i % 7 === 0 ? 2 : 1)
    })
    const subset = join(root, 'ids.npy')
    await writeSubsetNpy(subset, counts)

    const recipe = recipeOf(dclm, 'tiny')
    const seqLen = recipe.recipe.model_config.seq_len
    const eot = recipe.recipe.eot_token_id
    const tokenizer = loadShippedTokenizer(recipe.recipe.tokenizer)
    const pad = tokenizer.tokenToId('<|padding|>') as number

    const out = join(root, 'data')
    const result = await reshard({benchmark: 'dclm', subsetFile: subset, poolDir: pool, outDir: out, shardSize: 50})

    // the expected token stream: pool order, each selected document `count` times, EOT after each
    const stream: number[] = []
    let documents = 0
    for (const id of ids) {
      const n = counts.get(id) ?? 0
      const encoded = n > 0 ? tokenizer.encode(texts.get(id) as string) : []
      for (let k = 0; k < n; k++) {
        stream.push(...encoded, eot)
        documents++
      }
    }
    const sequences = Math.ceil(stream.length / (seqLen + 1))
    expect(result).toMatchObject({output_count: documents, missing: 0, tokens: stream.length, sequences, shards: Math.ceil(sequences / 50)})

    const manifestLines = readFileSync(join(out, 'manifest.jsonl'), 'utf8').trimEnd().split('\n')
    expect(manifestLines[0]).toBe('{"shard": "shard_00000000", "num_sequences": 50}')
    const shards = readdirSync(out).filter((n) => n.endsWith('.tar')).sort()
    expect(shards).toEqual(manifestLines.map((l) => `${JSON.parse(l).shard}.tar`))
    const contexts: number[][] = []
    for (const [i, name] of shards.entries()) {
      const members = await readShard(join(out, name))
      expect(members).toHaveLength(JSON.parse(manifestLines[i] as string).num_sequences)
      for (const m of members) {
        expect(m.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json\.gz$/)
        expect(m.ids).toHaveLength(seqLen + 1)
        contexts.push(m.ids)
      }
    }
    // same contexts as cutting the stream in order (one padded at the end), but shuffled
    const inOrder: string[] = []
    for (let o = 0; o < stream.length; o += seqLen + 1) {
      const ctx = stream.slice(o, o + seqLen + 1)
      while (ctx.length < seqLen + 1) ctx.push(pad)
      inOrder.push(ctx.join(','))
    }
    expect(contexts.map((c) => c.join(',')).sort()).toEqual([...inOrder].sort())
    expect(contexts.map((c) => c.join(','))).not.toEqual(inOrder)

    const tokenized = JSON.parse(readFileSync(join(out, 'tokenized.json'), 'utf8'))
    expect(tokenized).toMatchObject({tokenizer: 'dcbench/tiny-world', seq_len: seqLen, eot_token_id: eot, pad_token_id: pad, sequences})
    expect(readFileSync(join(out, 'tokenizer.json'), 'utf8')).toBe(readFileSync(join(process.cwd(), 'tracks/tokenizers/tiny-world.json'), 'utf8'))

    // deterministic: same inputs, same bytes
    const again = join(root, 'again')
    await reshard({benchmark: 'dclm', subsetFile: subset, poolDir: pool, outDir: again, shardSize: 50})
    expect(JSON.parse(readFileSync(join(again, 'tokenized.json'), 'utf8')).shards).toEqual(tokenized.shards)
    // and already complete on a second run into the same folder
    expect((await reshard({benchmark: 'dclm', subsetFile: subset, poolDir: pool, outDir: out, shardSize: 50})).already_complete).toBe(true)
  }, 120_000)

  it('needs a scale when the pool does not name one', async () => {
    const root = tempDir()
    const {mkdirSync, writeFileSync} = await import('node:fs')
    mkdirSync(join(root, 'documents'))
    writeFileSync(join(root, 'documents/a.jsonl'), '{"text": "hello"}\n')
    writeFileSync(join(root, 'ids.npy'), '')
    await expect(reshard({benchmark: 'dclm', subsetFile: join(root, 'ids.npy'), poolDir: root, outDir: join(root, 'out')})).rejects.toMatchObject({code: 'DCB_RESHARD_SCALE'})
  })
})
