import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {chromium, type BrowserContext} from 'playwright-core'

/** Debian's chromium (installed by .ci/run); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.DCBENCH_CHROMIUM ?? '/usr/bin/chromium'

/**
 * Starts headless Chromium with a fresh profile and no background network activity. The caller
 * closes the returned context; `cleanup` removes the profile folder.
 */
export async function launchChromium(): Promise<{context: BrowserContext; cleanup: () => Promise<void>}> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (bash .ci/run does) or set DCBENCH_CHROMIUM`)
  const profile = mkdtempSync(join(tmpdir(), 'dcbench-chromium-'))
  // launchPersistentContext is how playwright takes --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: {width: 1400, height: 1000},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  return {
    context,
    cleanup: async () => {
      await context.close()
      rmSync(profile, {recursive: true, force: true})
    },
  }
}
