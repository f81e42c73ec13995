import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {checkSignature, loadKeyring, publishBoard, rankBoards, readBoard} from '../../../src/leaderboard/index.js'
import {writeBoardFixture} from '../../helpers/board-fixture.js'
import {testSuites} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir('dcbench-publish-')

const ENTRIES = [
  {seed: 1},
  {seed: 2, subsetSize: 5_000_000},
  {seed: 3, method: 'a <b>bold</b> "method", with | pipes'},
  {seed: 4, scale: 'medium'},
  {benchmark: 'dclm' as const, seed: 5},
  {benchmark: 'dclm' as const, seed: 6},
]

describe('rankBoards', () => {
  it('splits boards by benchmark/scale/track and ranks by the headline, best first', async () => {
    const {boardDir} = await writeBoardFixture(tempDir(), ENTRIES)
    const boards = rankBoards(await readBoard(boardDir), testSuites)
    // In the order `bench tracks list` shows the scales.
    expect(boards.map((b) => [b.id, b.rows.length])).toEqual([
      ['datacomp-small-filtering', 3],
      ['datacomp-medium-filtering', 1],
      ['dclm-400m-1x-filtering', 2],
    ])
    for (const board of boards) {
      const scores = board.rows.map((r) => r.aggregates.Average as number)
      expect(scores).toEqual([...scores].sort((a, b) => b - a))
      expect(board.rows.map((r) => r.rank)).toEqual(board.rows.map((_, i) => i + 1))
    }
  })
})

describe('publishBoard', () => {
  it('writes html, md, csv and json; the json carries every signed entry, still verifiable', async () => {
    const dir = tempDir()
    const {boardDir, keyDir} = await writeBoardFixture(dir, ENTRIES, [2])
    const out = join(dir, 'site')
    const keyring = await loadKeyring(keyDir)
    const result = await publishBoard({boardDir, outDir: out, suites: testSuites, keyring, now: () => new Date('2025-04-01T00:00:00Z')})
    expect(result.signaturesChecked).toBe(6)
    expect(result.files).toEqual([
      'assets/ECHARTS-LICENSE.txt', 'assets/echarts.min.js', 'assets/page.css', 'assets/page.js',
      'csv/datacomp-medium-filtering.csv', 'csv/datacomp-small-filtering.csv', 'csv/dclm-400m-1x-filtering.csv',
      'entries.jsonl', 'index.html', 'leaderboard.json', 'leaderboard.md',
    ])
    for (const f of result.files) expect(existsSync(join(out, f))).toBe(true)

    const json = JSON.parse(readFileSync(join(out, 'leaderboard.json'), 'utf8'))
    expect(json).toMatchObject({format: 'dcbench-leaderboard', format_version: 1, generated_at: '2025-04-01T00:00:00.000Z'})
    expect(json.boards[1].rows[0]).toHaveProperty(['tasks', 'fairness/geode'])
    // entries.jsonl is the board file as is: every record with its signed entry.
    expect(readFileSync(join(out, 'entries.jsonl'), 'utf8')).toBe(readFileSync(join(boardDir, 'entries.jsonl'), 'utf8'))
    const published = readFileSync(join(out, 'entries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(published).toHaveLength(6)
    for (const record of published) expect(checkSignature(record.entry, keyring)).toMatchObject({ok: true})

    // CSV: header + one line per entry, quoting per RFC 4180, every task score at full precision.
    const csv = readFileSync(join(out, 'csv/datacomp-small-filtering.csv'), 'utf8').split('\r\n').filter(Boolean)
    const header = csv[0]!.split(',')
    expect(header.slice(0, 10)).toEqual(['rank', 'method', 'submitter', 'status', 'subset_size', 'ImageNet', 'ImageNet dist. shifts', 'VTAB', 'Retrieval', 'Average'])
    expect(header.slice(10, 48)).toHaveLength(38)
    expect(header).toContain('retrieval/mscoco_2014_5k_test_image_text_retrieval')
    expect(header.slice(48)).toEqual(['method_link', 'created_at', 'entry_id'])
    expect(csv).toHaveLength(4)
    expect(csv.join('\n')).toContain('"a <b>bold</b> ""method"", with | pipes"')

    // Markdown: pipes escaped, headline bold in the caption.
    const md = readFileSync(join(out, 'leaderboard.md'), 'utf8')
    expect(md).toContain('## DataComp · small · filtering')
    expect(md).toContain('with \\| pipes')
    expect(md).toMatch(/\| Rank \| Method \| Submitter \| Status \| Dataset size \| ImageNet \| ImageNet dist. shifts \| VTAB \| Retrieval \| Average \(38 tasks\) \|/)

    // HTML: tables server-rendered, user text escaped, the data block cannot close its script element.
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    expect(html).not.toContain('<b>bold</b>')
    expect(html).toContain('a &lt;b&gt;bold&lt;/b&gt; &quot;method&quot;')
    expect(html.match(/<tr data-entry=/g)).toHaveLength(6)
    expect(html).toContain('<span class="status verified">verified</span>')
    expect(html).not.toMatch(/\{\{\w+\}\}/)
    const data = html.slice(html.indexOf('id="board-data">') + 16, html.indexOf('</script>', html.indexOf('id="board-data">')))
    expect(JSON.parse(data).boards).toHaveLength(3)
    expect(html).not.toMatch(/https?:\/\/(?!example\.org)/) // no network references besides the entries' own links
  })

  it('replaces a previous site whole, and refuses to replace a folder it did not write', async () => {
    const dir = tempDir()
    const {boardDir} = await writeBoardFixture(dir, ENTRIES.slice(0, 2))
    const out = join(dir, 'site')
    await publishBoard({boardDir, outDir: out, suites: testSuites, formats: ['md', 'csv']})
    writeFileSync(join(out, 'stale.txt'), 'old')
    await publishBoard({boardDir, outDir: out, suites: testSuites, formats: ['json']})
    expect(readdirSync(out).sort()).toEqual(['.dcbench-site', 'entries.jsonl', 'leaderboard.json'])

    const mine = join(dir, 'mine')
    mkdirSync(mine)
    writeFileSync(join(mine, 'thesis.tex'), '')
    await expect(publishBoard({boardDir, outDir: mine, suites: testSuites})).rejects.toThrow(/mine: not empty and not a published site/)
    expect(readdirSync(mine)).toEqual(['thesis.tex'])
    // No temporary folders are left beside it.
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([])
  })

  it('refuses to publish a board whose entry no longer verifies', async () => {
    const dir = tempDir()
    const {boardDir, keyDir} = await writeBoardFixture(dir, ENTRIES.slice(0, 2))
    const file = join(boardDir, 'entries.jsonl')
    writeFileSync(file, readFileSync(file, 'utf8').replace('"method-2"', '"method-two"'))
    await expect(publishBoard({boardDir, outDir: join(dir, 'site'), suites: testSuites, keyring: await loadKeyring(keyDir)})).rejects.toThrow(
      /entries.jsonl:2: entry [0-9a-f]{12}… no longer verifies: signature: does not match the content/,
    )
    expect(existsSync(join(dir, 'site'))).toBe(false)
  })
})
