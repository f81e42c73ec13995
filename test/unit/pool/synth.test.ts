import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {iterateDataCompSamples} from '../../../src/benchmarks/datacomp/pool-shards.js'
import {iterateDclmDocuments} from '../../../src/benchmarks/dclm/documents.js'
import {synthesizeDataComp} from '../../../src/benchmarks/datacomp/synth-pool.js'
import {synthesizeDclm} from '../../../src/benchmarks/dclm/synth-pool.js'
import {useTempDir} from '../../helpers/tmp.js'

function allFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name)
      out.set(path.slice(dir.length), readFileSync(path))
    }
  }
  return out
}

describe('synthetic pools are deterministic in the seed', () => {
  const tmp = useTempDir()

  it('DataComp: same seed, same bytes in every file; another seed, other uids', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()]
    await synthesizeDataComp({dir: a, count: 120, seed: 3, scale: 'tiny'})
    await synthesizeDataComp({dir: b, count: 120, seed: 3, scale: 'tiny'})
    await synthesizeDataComp({dir: c, count: 120, seed: 4, scale: 'tiny'})
    const fa = allFiles(a)
    expect([...fa.keys()].sort()).toEqual([expect.stringMatching(/^\/metadata\/[0-9a-f]{32}\.npz$/), expect.stringMatching(/^\/metadata\/[0-9a-f]{32}\.parquet$/), '/shards/00000000.tar', '/shards/00000000_stats.json'])
    expect(fa).toEqual(allFiles(b))
    const uids = async (dir: string) => {
      const out: string[] = []
      for await (const s of iterateDataCompSamples(dir)) out.push(s.uid)
      return out
    }
    const ua = await uids(a)
    expect(ua).toHaveLength(120)
    expect(new Set([...ua, ...(await uids(c))]).size).toBe(240)
  })

  it('DCLM: same seed, same bytes; documents stop at the word target', async () => {
    const [a, b] = [tmp(), tmp()]
    const made = await synthesizeDclm({dir: a, targetWords: 20_000, seed: 9})
    await synthesizeDclm({dir: b, targetWords: 20_000, seed: 9})
    expect(allFiles(a)).toEqual(allFiles(b))
    expect(made.words).toBeGreaterThanOrEqual(20_000)
    let docs = 0
    for await (const doc of iterateDclmDocuments(a)) {
      docs++
      expect(Object.keys(doc.record)).toEqual(['url', 'text', 'quality'])
    }
    expect(docs).toBe(made.count)
    expect(made.worldSeed).toBe(9)
  })
})
