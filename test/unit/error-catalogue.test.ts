import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ERROR_AREAS, ERRORS, ExitCode} from '../../src/errors.js'
import {repoRoot} from '../helpers/cli.js'

const SRC = join(repoRoot, 'src')
const CATALOGUE = join(SRC, 'error-catalogue.ts')

/** Every 'DCB_…' / "DCB_…" / `DCB_…` string literal in src/**.ts (the catalogue itself excepted), with the files that use it. */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  const files = readdirSync(SRC, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts')).map((f) => join(SRC, f))
  for (const file of files) {
    if (file === CATALOGUE) continue
    for (const match of readFileSync(file, 'utf8').matchAll(/(['"`])(DCB_[A-Z0-9_]+)\1/g)) {
      const code = match[2]!
      found.set(code, [...(found.get(code) ?? []), relative(repoRoot, file)])
    }
  }
  return found
}

describe('the error catalogue (src/error-catalogue.ts)', () => {
  const used = codesInSource()
  const listed = new Set(Object.keys(ERRORS))

  it('lists every code that src/ raises', () => {
    const unlisted = [...used].filter(([code]) => !listed.has(code)).map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`)
    expect(unlisted, 'add these codes to ERRORS in src/error-catalogue.ts').toEqual([])
  })

  it('lists no code that nothing in src/ raises', () => {
    const unused = [...listed].filter((code) => !used.has(code))
    expect(unused, 'remove these codes from ERRORS, or raise them').toEqual([])
  })

  it('gives every code a known exit code and area, and a one-line meaning and fix', () => {
    const exitCodes = new Set<number>(Object.values(ExitCode))
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^DCB_[A-Z0-9_]+$/)
      expect(exitCodes.has(entry.exitCode), code).toBe(true)
      expect(entry.exitCode, `${code}: exit 0 is success, not an error`).not.toBe(ExitCode.Ok)
      expect(Object.keys(ERROR_AREAS), code).toContain(entry.area)
      for (const line of [entry.meaning, entry.fix]) expect(line, code).toMatch(/^[^\n]{10,}[.)]$/)
    }
    for (const area of Object.keys(ERROR_AREAS)) expect(Object.values(ERRORS).some((e) => e.area === area), area).toBe(true)
  })
})
