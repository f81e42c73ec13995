import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {readUidIndexHeader} from '../../../src/pool/index.js'
import {DCLM_POOL_WORDS_PER_TOKEN, DCLM_QUALITY_MIX} from '../../../src/benchmarks/dclm/synth-pool.js'
import {dclmDocumentId, iterateDclmDocuments} from '../../../src/benchmarks/dclm/documents.js'
import {loadSubset} from '../../../src/subset/index.js'
import {splitWords} from '../../../src/world/index.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'
import {useTempDir} from '../../helpers/tmp.js'

interface SynthJson {
  count: number
  words: number
  token_budget: number
  world_seed: number
  qualities: Record<string, number>
  files: string[]
}

function dirBytes(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of readdirSync(join(dir, 'documents')).sort()) out[name] = createHash('sha256').update(readFileSync(join(dir, 'documents', name))).digest('hex')
  return out
}

describe('bench pool synth --benchmark dclm --scale tiny (the built CLI)', () => {
  const tmp = useTempDir()

  it('writes documents/*.jsonl.zst sized from the token budget, deterministic in the seed, readable by the zstd tool', async () => {
    const dir = tmp()
    const a = await runBenchJson<SynthJson>(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', join(dir, 'a')])
    expect(a.exitCode, a.stderr).toBe(0)
    expect(a.json.token_budget).toBe(616_399) // ⌊20 · 655,744 params · 0.047⌋ (tracks/dclm.yaml tiny)
    expect(a.json.words).toBeGreaterThanOrEqual(DCLM_POOL_WORDS_PER_TOKEN * 616_399)
    expect(a.json.world_seed).toBe(0)
    expect(a.json.files.every((f) => /^documents\/\d{8}\.jsonl\.zst$/.test(f))).toBe(true)
    const b = await runBenchJson<SynthJson>(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', join(dir, 'b')])
    expect(dirBytes(join(dir, 'b'))).toEqual(dirBytes(join(dir, 'a')))
    const c = await runBenchJson<SynthJson>(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', join(dir, 'c'), '--seed', '1'])
    expect(c.json.world_seed).toBe(1)
    expect(dirBytes(join(dir, 'c'))).not.toEqual(dirBytes(join(dir, 'a')))
    expect(b.exitCode + c.exitCode).toBe(0)

    // the reference zstd tool reads what the wasm encoder wrote
    const {stdout} = await execa('zstd', ['-dc', join(dir, 'a', a.json.files[0]!)])
    const first = JSON.parse(stdout.split('\n')[0]!)
    expect(Object.keys(first)).toEqual(['url', 'text', 'quality'])

    // documents: ids by the documented rule, unique; labels and word count as reported
    const qualities: Record<string, number> = {}
    const ids = new Set<string>()
    let words = 0
    let count = 0
    for await (const doc of iterateDclmDocuments(join(dir, 'a'))) {
      expect(doc.id).toBe(createHash('sha256').update(`${doc.record.url}\u0000${doc.text}`).digest('hex').slice(0, 32))
      ids.add(doc.id)
      qualities[doc.record.quality as string] = (qualities[doc.record.quality as string] ?? 0) + 1
      words += splitWords(doc.text).length + 1
      count++
    }
    expect(count).toBe(a.json.count)
    expect(ids.size).toBe(count)
    expect(qualities).toEqual(a.json.qualities)
    expect(words).toBe(a.json.words)
    for (const [quality, share] of Object.entries(DCLM_QUALITY_MIX)) expect(Math.abs(qualities[quality]! / count - share), quality).toBeLessThan(0.02)
  })

  it('indexes document ids the same from .jsonl.zst, .jsonl.gz and plain .jsonl; a DCLM id list loads for lookups', async () => {
    const dir = tmp()
    const pool = join(dir, 'pool')
    expect((await runBench(['pool', 'synth', '--benchmark', 'dclm', '--scale', 'tiny', '--out', pool])).exitCode).toBe(0)
    const zst = await runBenchJson<{sha256: string; count: number; kind: string}>(['pool', 'index', pool, '--out', join(dir, 'zst.uidx')])
    expect(zst.exitCode, zst.stderr).toBe(0)
    expect(zst.json.kind).toBe('dclm')
    const lines: string[] = []
    const picked: string[] = []
    for await (const doc of iterateDclmDocuments(pool)) {
      lines.push(JSON.stringify(doc.record))
      if (doc.record.quality === 'clean' && picked.length < 50) picked.push(doc.id)
    }
    const plain = join(dir, 'plain')
    const gz = join(dir, 'gz')
    for (const d of [plain, gz]) (await import('node:fs')).mkdirSync(d)
    writeFileSync(join(plain, 'all.jsonl'), `${lines.join('\n')}\n`)
    writeFileSync(join(gz, 'part-a.jsonl.gz'), gzipSync(`${lines.slice(0, 1000).join('\n')}\n`))
    writeFileSync(join(gz, 'part-b.jsonl.gz'), gzipSync(`${lines.slice(1000).join('\n')}\n`))
    for (const [name, input] of [['plain', plain], ['gz', gz]] as const) {
      const other = await runBenchJson<{sha256: string}>(['pool', 'index', input, '--out', join(dir, `${name}.uidx`)])
      expect(other.json.sha256, name).toBe(zst.json.sha256)
    }
    expect((await readUidIndexHeader(join(dir, 'zst.uidx'))).count).toBe(lines.length)

    writeFileSync(join(dir, 'subset.csv'), `id,repeat\n${picked.map((id, i) => `${id},${i === 0 ? 3 : 1}`).join('\n')}\n`)
    const subset = await loadSubset(join(dir, 'subset.csv'))
    expect(subset).toMatchObject({format: 'csv', size: 52, unique: 50})
    expect(subset.count(picked[0]!)).toBe(3)
    expect(subset.count(dclmDocumentId({url: 'x', text: 'not in the pool'}))).toBe(0)
  })

  it('names the file and line of a malformed document (exit 2, one line)', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'bad.jsonl'), '{"text": "fine", "url": "u"}\n{"text": 42}\n')
    const result = await runBench(['pool', 'index', join(dir, 'bad.jsonl'), '--out', join(dir, 'x.uidx')])
    expect(result.exitCode).toBe(2)
    expect(result.stderr.trim()).toBe(`error [DCB_POOL_INPUT]: DCLM documents ${join(dir, 'bad.jsonl')}, line 2: "text" is a number; expected a string`)
    expect(readdirSync(dir)).toEqual(['bad.jsonl'])
  })
})
