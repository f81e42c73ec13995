/// <reference lib="dom" />
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {entryId, publishBoard, serialiseBoard, type BoardRecord} from '../../../src/leaderboard/index.js'
import {launchChromium} from '../../helpers/browser.js'
import {makeSigner, signWith, testSuites, unsignedEntry} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Stored XSS (issue 17): a board whose entries carry script payloads in every string field a page
 * shows — method name, description and link, submitter name and contact, the signer's name, the
 * record's entry id — is published and opened in headless Chromium, every plot tooltip is shown, and
 * no payload may run.
 */

const tempDir = useTempDir('dcbench-xss-')

/** A payload that, if it ever runs, marks the page with the field it came from. */
const payload = (field: string): string => `"><img src=x onerror="document.body.dataset.pwned='${field}'"><script>document.body.dataset.pwned='${field}'</script>`

async function hostileRecords(dir: string): Promise<BoardRecord[]> {
  const signer = await makeSigner(join(dir, 'keys'), 'alice')
  const records: BoardRecord[] = []
  for (const seed of [1, 2, 3]) {
    const base = unsignedEntry({seed})
    const entry = await signWith(signer, {
      ...base,
      submitter: {key_id: '0'.repeat(64), contact: payload(`contact-${seed}`)},
      method: {name: payload(`method-${seed}`), description: payload(`description-${seed}`), link: `https://example.org/${encodeURIComponent(payload('link'))}`},
    })
    records.push({
      record_version: 1,
      entry_id: entryId(entry),
      added_at: '2025-03-01T00:00:00.000Z',
      status: seed === 2 ? 'verified' : 'self-reported',
      signer: {key_id: signer.keyId, name: payload(`signer-${seed}`)},
      ...(seed === 2 ? {rerun: {entry_id: 'c'.repeat(64), key_id: signer.keyId, signer: payload('rerun-signer'), headline: {name: 'Average', submitted: 0.5, rerun: 0.5, difference: 0}, tolerance: 0.006, added_at: '2025-03-02T00:00:00.000Z'}} : {}),
      entry,
    })
  }
  return records
}

function writeBoard(dir: string, records: unknown[]): string {
  const boardDir = join(dir, 'board')
  mkdirSync(boardDir, {recursive: true})
  writeFileSync(join(boardDir, 'entries.jsonl'), serialiseBoard(records as BoardRecord[]))
  return boardDir
}

describe('a board of hostile entries in headless Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.cleanup()
  })

  it('runs no script from any entry string, in the tables or in the plot tooltips', async () => {
    const dir = tempDir()
    const boardDir = writeBoard(dir, await hostileRecords(dir))
    const out = join(dir, 'site')
    await publishBoard({boardDir, outDir: out, suites: testSuites})

    const page = await browser.context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(pathToFileURL(join(out, 'index.html')).href)
    await page.waitForSelector('body[data-charts-ready]', {timeout: 30_000})
    // Show every scatter and heatmap tooltip.
    const shown = await page.evaluate(async () => {
      type Chart = {dispatchAction: (a: object) => void; getOption: () => {series: {data: unknown[]}[]}}
      const echarts = (window as unknown as {echarts: {getInstanceByDom: (e: Element) => Chart}}).echarts
      let count = 0
      for (const element of Array.from(document.querySelectorAll('.plot'))) {
        const chart = echarts.getInstanceByDom(element)
        chart.getOption().series.forEach((series, seriesIndex) => {
          series.data.forEach((_, dataIndex) => {
            chart.dispatchAction({type: 'showTip', seriesIndex, dataIndex})
            count++
          })
        })
      }
      await new Promise((resolve) => setTimeout(resolve, 500))
      return count
    })
    expect(shown).toBeGreaterThan(3)

    expect(await page.evaluate(() => document.body.dataset.pwned ?? null)).toBeNull()
    expect(await page.locator('img[onerror], [onload], a[href^="javascript:" i]').count()).toBe(0)
    // The payloads are on the page, as text.
    expect(await page.locator('table.ranking').first().textContent()).toContain(`onerror="document.body.dataset.pwned='method-3'"`)
    expect(errors).toEqual([])
    await page.close()
  })

  it('refuses to publish board lines edited by hand: an entry id that is not the entry\'s, a javascript: link', async () => {
    const dir = tempDir()
    const records = await hostileRecords(dir)
    const forgedId = writeBoard(join(dir, 'a'), [{...records[0]!, entry_id: payload('entry-id')}, records[1]!])
    await expect(publishBoard({boardDir: forgedId, outDir: join(dir, 'site-a'), suites: testSuites})).rejects.toThrow(/entries\.jsonl:1: .*entry_id/)
    const link = {...records[1]!, entry: {...records[1]!.entry, method: {...records[1]!.entry.method, link: "javascript:document.body.dataset.pwned='link-href'"}}}
    const badLink = writeBoard(join(dir, 'b'), [records[0]!, link])
    await expect(publishBoard({boardDir: badLink, outDir: join(dir, 'site-b'), suites: testSuites})).rejects.toThrow(/entries\.jsonl:2: .*link/)
  })
})
