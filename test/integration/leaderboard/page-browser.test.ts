import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {BrowserContext, Page} from 'playwright-core'

import {publishBoard} from '../../../src/leaderboard/index.js'
import {launchChromium} from '../../helpers/browser.js'
import {writeBoardFixture} from '../../helpers/board-fixture.js'
import {repoRoot} from '../../helpers/cli.js'
import {testSuites} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

/** Screenshots are kept here for people to look at (tmp/ is git-ignored). */
const ARTIFACTS = process.env.DCBENCH_TEST_ARTIFACTS ?? join(repoRoot, 'tmp/test-artifacts')

const tempDir = useTempDir('dcbench-page-')

describe('the published page in headless Chromium', () => {
  let browser: {context: BrowserContext; cleanup: () => Promise<void>}
  let page: Page
  const requests: string[] = []

  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.cleanup()
  })

  it('shows the tables and both plots, sorts on click, and needs no network', async () => {
    const dir = tempDir()
    const entries = [
      ...Array.from({length: 30}, (_, i) => ({seed: i + 1, subsetSize: 10_000 * (i + 1) ** 2})),
      ...Array.from({length: 4}, (_, i) => ({benchmark: 'dclm' as const, seed: 100 + i})),
    ]
    const {boardDir} = await writeBoardFixture(dir, entries, [3, 7, 101])
    const out = join(dir, 'site')
    await publishBoard({boardDir, outDir: out, suites: testSuites, title: 'dcbench test leaderboards'})

    page = await browser.context.newPage()
    page.on('request', (r) => requests.push(r.url()))
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    await page.goto(pathToFileURL(join(out, 'index.html')).href)
    await page.waitForSelector('body[data-charts-ready="4"]', {timeout: 30_000})
    expect(errors).toEqual([])
    // Every request stayed on the local files: the chart library is bundled.
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([])

    const small = page.locator('#table-datacomp-small-filtering')
    await expect.poll(() => small.locator('tbody tr').count()).toBe(30)
    expect(await page.locator('#table-dclm-400m-1x-filtering tbody tr').count()).toBe(4)
    expect(await small.locator('thead th').allTextContents()).toEqual(['Rank', 'Method', 'Submitter', 'Status', 'Dataset size', 'ImageNet', 'ImageNet dist. shifts', 'VTAB', 'Retrieval', 'Average (38 tasks)'])

    // Plots: ECharts drew SVG — 30 scatter points, and a 25 × 38 heatmap.
    const scatterPoints = await page.locator('#scatter-datacomp-small-filtering svg path').count()
    expect(scatterPoints).toBeGreaterThanOrEqual(30)
    const heatmapCells = await page.locator('#heatmap-datacomp-small-filtering svg path').count()
    expect(heatmapCells).toBeGreaterThanOrEqual(25 * 38)

    const column = async (index: number): Promise<string[]> => small.locator(`tbody tr td:nth-child(${index})`).allTextContents()
    const averages = async (): Promise<number[]> => (await column(10)).map(Number)
    // Initially ranked: Average descending, ranks 1..30.
    expect(await averages()).toEqual([...(await averages())].sort((a, b) => b - a))
    expect((await column(1)).map(Number)).toEqual(Array.from({length: 30}, (_, i) => i + 1))

    // Sort by Method (A–Z), then by Dataset size (largest first, then smallest first), then Average ascending.
    await small.locator('thead th:nth-child(2) button').click()
    const methods = await column(2)
    expect(methods).toEqual([...methods].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())))
    expect(await small.locator('thead th:nth-child(2)').getAttribute('aria-sort')).toBe('ascending')

    const sizes = async (): Promise<number[]> => (await column(5)).map((s) => Number(s.replaceAll(',', '')))
    await small.locator('thead th:nth-child(5) button').click()
    expect(await sizes()).toEqual([...(await sizes())].sort((a, b) => b - a))
    await small.locator('thead th:nth-child(5) button').click()
    expect(await sizes()).toEqual([...(await sizes())].sort((a, b) => a - b))
    expect(await small.locator('thead th:nth-child(5)').getAttribute('aria-sort')).toBe('ascending')

    await small.locator('thead th:nth-child(10) button').click()
    await small.locator('thead th:nth-child(10) button').click()
    expect(await averages()).toEqual([...(await averages())].sort((a, b) => a - b))

    // Back to rank order, then keep a screenshot of the page as a person sees it.
    await small.locator('thead th:nth-child(1) button').click()
    await small.locator('thead th:nth-child(1) button').click()
    expect((await column(1)).map(Number)).toEqual(Array.from({length: 30}, (_, i) => i + 1))
    mkdirSync(ARTIFACTS, {recursive: true})
    await page.screenshot({path: join(ARTIFACTS, 'leaderboard-page.png'), fullPage: true})
    await page.locator('#board-datacomp-small-filtering').screenshot({path: join(ARTIFACTS, 'leaderboard-board.png')})
  })
})
