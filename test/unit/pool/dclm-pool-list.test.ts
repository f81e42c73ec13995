import {describe, expect, it} from 'vitest'

import {loadPoolManifest, parsePoolList, poolListText} from '../../../src/benchmarks/dclm/pool-list.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('DCLM pool lists (evaluators/dclm/pools.yaml)', () => {
  const tmp = useTempDir()

  it('the bundled 400m-1x list is the blob DCLM recorded at the pinned commit, and parses into 10,306 files under crawl=…', async () => {
    const {text, source} = await poolListText('400m-1x', tmp(), {offline: true})
    expect(source).toMatchObject({origin: 'bundled', commit: loadPoolManifest().source.commit, git_blob: '262fd5253c2833685fd185d0307b2d04f8be7a17'})
    expect(source.url).toBe('https://raw.githubusercontent.com/mlfoundations/dclm/361714bdd60bb9b7f4b2d8354cebbf0dec0c329e/data/competition_pools/preextracted/400m-1x.txt')
    const files = parsePoolList(text, '400m-1x')
    expect(files).toHaveLength(loadPoolManifest().scales['400m-1x']!.files!)
    expect(files.every((f) => f.bucket === 'commoncrawl' && f.path.startsWith('crawl=CC-MAIN-') && !f.path.includes('/') && f.path.endsWith('.jsonl.gz'))).toBe(true)
  })

  it('rewrites a prefix (a moved pool) and refuses what is not a pool file', async () => {
    const [file] = parsePoolList('s3://commoncrawl/contrib/datacomp/DCLM-pool/crawl=X/1/a.jsonl.gz\n', 'l', {from: 's3://commoncrawl/contrib/datacomp/DCLM-pool/', to: 's3://mine/copy/jsonl/'})
    expect(file).toMatchObject({bucket: 'mine', key: 'copy/jsonl/crawl=X/1/a.jsonl.gz', path: 'crawl=X__1__a.jsonl.gz'})
    expect(() => parsePoolList('http://x/a.jsonl.gz', 'l')).toThrow(/line 1: .* is not an s3:\/\/bucket\/key URL/)
    expect(() => parsePoolList('s3://b1b/a/b.txt', 'l')).toThrow(/not a JSONL file/)
    expect(() => parsePoolList('s3://b1b/crawl=1/a.jsonl\ns3://b2b/crawl=1/a.jsonl', 'l')).toThrow(/line 2: .* as an earlier line does/)
    await expect(poolListText('3b-1x', tmp(), {offline: true})).rejects.toThrow(/DCLM ships no pool list/)
  })
})
