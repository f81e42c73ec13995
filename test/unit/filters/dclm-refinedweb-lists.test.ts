import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {DOMAINS_FILE, LIST_FILES, loadRefinedWebLists} from '../../../src/benchmarks/dclm/refinedweb/lists.js'
import {DcbError} from '../../../src/errors.js'

const root = mkdtempSync(join(tmpdir(), 'dcbench-rw-lists-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

function mappersDir(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'banlists'), {recursive: true})
  for (const [rel, content] of Object.entries(files)) writeFileSync(join(dir, rel), content)
  return dir
}

const ALL = {[LIST_FILES.strictWords]: 'aa\nbb\n', [LIST_FILES.hardWords]: 'cc\r\ndd', [LIST_FILES.softWords]: 'ee\n', [LIST_FILES.tlds]: 'com\norg'}

async function usageError(promise: Promise<unknown>): Promise<DcbError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(DcbError)
  expect((error as DcbError).code).toBe('DCB_FILTER_USAGE')
  return error as DcbError
}

describe("the RefinedWeb chain's upstream lists", () => {
  it("reads them as Python's open().read().splitlines() does; the curated domains only where present", async () => {
    const lists = await loadRefinedWebLists(mappersDir('ok', ALL), 'dclm-refinedweb')
    expect(lists).toEqual({strictWords: ['aa', 'bb'], hardWords: ['cc', 'dd'], softWords: ['ee'], tlds: ['com', 'org']})
    const withDomains = await loadRefinedWebLists(mappersDir('domains', {...ALL, [DOMAINS_FILE]: 'bad.example\n'}), 'dclm-refinedweb')
    expect(withDomains.bannedDomains).toEqual(['bad.example'])
  })

  it('refuses a missing folder flag, a missing list, a folder in a list\'s place and non-UTF-8 text in one line each', async () => {
    expect((await usageError(loadRefinedWebLists(undefined, 'dclm-refinedweb'))).message).toMatch(/needs --upstream-mappers/)
    const {[LIST_FILES.tlds]: _tlds, ...noTlds} = ALL
    expect((await usageError(loadRefinedWebLists(mappersDir('no-tlds', noTlds), 'x'))).message).toMatch(/iana_tlds\.txt.*no such file/)
    const dir = mappersDir('dir-in-place', noTlds)
    mkdirSync(join(dir, LIST_FILES.tlds))
    expect((await usageError(loadRefinedWebLists(dir, 'x'))).message).toMatch(/iana_tlds\.txt.*directory/)
    const domainsDir = mappersDir('domains-dir', ALL)
    mkdirSync(join(domainsDir, DOMAINS_FILE))
    expect((await usageError(loadRefinedWebLists(domainsDir, 'x'))).message).toMatch(/curated\.txt.*directory/)
    expect((await usageError(loadRefinedWebLists(mappersDir('latin1', {...ALL, [LIST_FILES.softWords]: Buffer.from([0x61, 0xe9, 0x0a])}), 'x'))).message).toMatch(/soft.*not UTF-8/)
  })
})
