import {PY_BOUNDARY, PY_SPACE, keyAlternation, pyReEscape} from './python-chars.js'

/**
 * The URL steps of DCLM's RefinedWeb chain (mlfoundations/dclm 361714b,
 * baselines/mappers/filters/metadata_filters.py `url_substring_filter` and
 * baselines/mappers/modifiers.py `url_removal_modifier`), with retrie's trie patterns written as
 * equivalent alternations (python-chars.ts `keyAlternation`).
 */

/** What a page is while the chain runs: its text is rewritten by the modifiers. */
export interface ChainPage {
  text: string
  url: string
  /** `word_counter_enricher`'s count (the YAML's `previous_word_count`), for `word_removal_ratio_filter`. */
  previousWordCount?: number
}

// urllib drops tab, CR and LF anywhere in a URL
const URL_UNSAFE = /[\t\r\n]/g
// eslint-disable-next-line no-control-regex -- and (3.11.2 with Debian's fix for CVE-2023-24329) leading C0 controls and spaces
const URL_LEADING_C0 = /^[\x00-\x20]+/
const SCHEME_CHARS = /^[A-Za-z0-9+\-.]*$/

/**
 * `urllib.parse.urlparse(url).netloc` as Python 3.11 computes it. Python raises ValueError on an
 * unbalanced `[`/`]` netloc (upstream's run stops there); here that netloc is returned as it is.
 */
export function urlNetloc(url: string): string {
  let rest = url.replace(URL_LEADING_C0, '').replace(URL_UNSAFE, '')
  const colon = rest.indexOf(':')
  if (colon > 0 && /^[A-Za-z]/.test(rest) && SCHEME_CHARS.test(rest.slice(0, colon))) rest = rest.slice(colon + 1)
  if (!rest.startsWith('//')) return ''
  let end = rest.length
  for (const delimiter of ['/', '?', '#']) {
    const at = rest.indexOf(delimiter, 2)
    if (at >= 0) end = Math.min(end, at)
  }
  return rest.slice(2, end)
}

export interface UrlSubstringOptions {
  banlist: readonly string[]
  ignoreChars?: readonly string[]
  numBannedSubstrs?: number
  exactDomainMatch?: boolean
  matchSubstrings?: boolean
}

/**
 * `url_substring_filter` (case-insensitive, as every call in the chain is): the URL (or, with
 * exactDomainMatch, its netloc) lowercased, each ignored string removed; dropped when the netloc is
 * a banned domain, or when at least numBannedSubstrs distinct banned strings occur in it (whole words,
 * Python's `\b`, unless matchSubstrings).
 */
export function urlSubstringFilter(options: UrlSubstringOptions): (page: ChainPage) => boolean {
  const banlist = options.banlist.map((b) => b.toLowerCase())
  const ignore = options.ignoreChars ?? []
  const clean = (url: string): string => ignore.reduce((u, c) => u.split(c).join(''), url.toLowerCase())
  if (options.exactDomainMatch) {
    const banned = new Set(banlist)
    return (page) => !banned.has(clean(urlNetloc(page.url)))
  }
  const alternation = keyAlternation(banlist)
  const boundary = options.matchSubstrings ?? true ? '' : PY_BOUNDARY
  const pattern = new RegExp(`${boundary}${alternation}${boundary}`, 'giu')
  const needed = options.numBannedSubstrs ?? 1
  return (page) => {
    const found = new Set<string>()
    for (const match of clean(page.url).matchAll(pattern)) found.add(match[0])
    return found.size < needed
  }
}

/**
 * `url_removal_modifier`: when the page *starts* with a top-level domain's name (retrie's
 * `tlds_regex.match`, case-insensitive — so any page starting with "The" qualifies, through `th`),
 * every URL ending in a listed TLD (case-sensitive) is removed with up to ten whitespace characters
 * before it; then IPv4-like addresses are removed everywhere. Upstream passes the TLDs through
 * `re.escape` before retrie escapes them again, so `xn--…` TLDs only match a literal `xn\-\-…`:
 * kept as it is.
 */
export function urlRemovalModifier(tlds: readonly string[]): (page: ChainPage) => boolean {
  const alternation = keyAlternation(tlds.map(pyReEscape))
  const startsWithTld = new RegExp(`^${alternation}`, 'iu')
  const urlPattern = new RegExp(
    `[${PY_SPACE}]{0,10}(?:((https?|ftp)://))?[\\-a-zA-Z0-9@:%._+~#=]{1,256}\\.(${alternation})${PY_BOUNDARY}([\\-a-zA-Z0-9()@:%_+.~#?&/=]*)`,
    'gu',
  )
  const ipv4 = new RegExp(`[${PY_SPACE}]{0,10}${PY_BOUNDARY}((https?|ftp)://)?(?:[0-2]?[0-9]{1,2}\\.){3}[0-2]?[0-9]{1,2}[\\-a-zA-Z0-9()@:%_+.~#?&/=]*`, 'gu')
  return (page) => {
    if (startsWithTld.test(page.text)) page.text = page.text.replace(urlPattern, '')
    page.text = page.text.replace(ipv4, '')
    return page.text !== ''
  }
}
