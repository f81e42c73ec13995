import {lstat, readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'

import {DcbError} from '../../../errors.js'
import {regularFileSize} from '../../../util/regular-file.js'
import type {RefinedWebLists} from './chain.js'
import {pySplitlines} from './python-chars.js'

/**
 * The word lists and TLD list the RefinedWeb chain's URL steps need, read from upstream's own
 * `baselines/mappers` folder (mlfoundations/dclm): dcbench ships none of upstream's files. The
 * curated domain list (`banlists/refinedweb_banned_domains_curated.txt`) is not in upstream's
 * repository; where the user has made it, its step runs, otherwise it is skipped.
 */

/** Upstream's paths, relative to its baselines/mappers folder. */
export const LIST_FILES = {
  strictWords: 'banlists/refinedweb_banned_words_strict_reverse_engineered.txt',
  hardWords: 'banlists/refinedweb_banned_words_hard_reverse_engineered.txt',
  softWords: 'banlists/refinedweb_banned_words_soft_reverse_engineered.txt',
  tlds: 'iana_tlds.txt',
} as const
export const DOMAINS_FILE = 'banlists/refinedweb_banned_domains_curated.txt'
/** Upstream's curated domain list has ~4.6 M lines; anything far beyond is not a word list. */
const MAX_LIST_BYTES = 512 * 1024 ** 2

function usage(message: string): DcbError {
  return new DcbError('DCB_FILTER_USAGE', message, {
    suggestions: ["pass --upstream-mappers DIR: the baselines/mappers folder of a checkout of github.com/mlfoundations/dclm (docs/filters.md, \"DCLM's baselines\")"],
  })
}

/** `open(f).read().splitlines()`: Python's universal newlines, then its line boundaries. */
async function readList(dir: string, rel: string): Promise<string[]> {
  const file = join(dir, rel)
  await regularFileSize(file, {code: 'DCB_FILTER_USAGE', what: `DCLM list ${file}`, maxBytes: MAX_LIST_BYTES, limitReason: 'a word or domain list'})
  const text = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(await readFile(file))
  return pySplitlines(text.replace(/\r\n?/g, '\n'))
}

/** Reads the lists from upstream's baselines/mappers folder `dir`. */
export async function loadRefinedWebLists(dir: string | undefined, filterName: string): Promise<RefinedWebLists> {
  if (dir === undefined) throw usage(`filter '${filterName}' needs --upstream-mappers DIR (upstream's banned-word lists and iana_tlds.txt, which dcbench does not ship)`)
  const root = resolve(dir)
  const read = async (rel: string): Promise<string[]> => {
    try {
      return await readList(root, rel)
    } catch (error) {
      if (error instanceof TypeError) throw usage(`DCLM list ${join(root, rel)}: not UTF-8 text`)
      throw error
    }
  }
  const lists: RefinedWebLists = {
    strictWords: await read(LIST_FILES.strictWords),
    hardWords: await read(LIST_FILES.hardWords),
    softWords: await read(LIST_FILES.softWords),
    tlds: await read(LIST_FILES.tlds),
  }
  // only a missing domain list skips its step: a directory or FIFO in its place is refused by read()
  const domains = await lstat(join(root, DOMAINS_FILE)).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false
      throw error
    },
  )
  return domains ? {...lists, bannedDomains: await read(DOMAINS_FILE)} : lists
}
