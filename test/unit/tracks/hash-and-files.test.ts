import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'
import {parse, stringify} from 'yaml'

import {DcbError} from '../../../src/errors.js'
import {defaultTracksDir, loadRegistry, loadTracksFile} from '../../../src/tracks/index.js'
import {canonicalJson} from '../../../src/util/canonical-json.js'
import {useTempDir} from '../../helpers/tmp.js'

const tempDir = useTempDir()

function readTracks(benchmark: string): Record<string, unknown> {
  return parse(readFileSync(join(defaultTracksDir(), `${benchmark}.yaml`), 'utf8'), {merge: true}) as Record<string, unknown>
}

/** Reverses key order at every depth. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]))
  }
  return value
}

function writeTracks(dir: string, files: Record<string, unknown>): void {
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, `${name}.yaml`), stringify(data))
}

function hashes(dir?: string): Record<string, string> {
  const registry = loadRegistry(dir)
  return Object.fromEntries(
    Object.values(registry.benchmarks).flatMap((b) => b.scales.map((s) => [`${s.benchmark}/${s.scale}`, s.hash])),
  )
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({b: 1, a: {d: [3, {z: 1, y: 2}], c: undefined}})).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}')
  })

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson({x: Number.NaN})).toThrow(/NaN/)
    expect(() => canonicalJson({x: 1n})).toThrow(/bigint/)
  })
})

describe('recipe hash', () => {
  it('does not depend on key order in the tracks files', () => {
    const dir = tempDir()
    writeTracks(dir, {datacomp: reverseKeys(readTracks('datacomp')), dclm: reverseKeys(readTracks('dclm'))})
    expect(hashes(dir)).toEqual(hashes())
  })

  it('changes with any frozen number and not with descriptive info', () => {
    const original = hashes()
    const dclm = readTracks('dclm') as {scales: Record<string, {recipe: {lr: number}; info: Record<string, unknown>}>}
    dclm.scales['7b-1x']!.info.description = 'reworded'
    const infoDir = tempDir()
    writeTracks(infoDir, {datacomp: readTracks('datacomp'), dclm})
    expect(hashes(infoDir)).toEqual(original)

    dclm.scales['7b-1x']!.recipe.lr = 1e-3
    const lrDir = tempDir()
    writeTracks(lrDir, {datacomp: readTracks('datacomp'), dclm})
    const changed = hashes(lrDir)
    expect(changed['dclm/7b-1x']).not.toBe(original['dclm/7b-1x'])
    expect({...changed, 'dclm/7b-1x': undefined}).toEqual({...original, 'dclm/7b-1x': undefined})
  })

  it('is a sha256 hex digest, different for every scale', () => {
    const all = Object.values(hashes())
    for (const h of all) expect(h).toMatch(/^[0-9a-f]{64}$/)
    expect(new Set(all).size).toBe(all.length)
  })
})

describe('a bad tracks file names the file, the field and the problem', () => {
  function loadError(mutate: (data: Record<string, any>) => void): string {
    const data = readTracks('dclm') as Record<string, any>
    mutate(data)
    const file = join(tempDir(), 'dclm.yaml')
    writeFileSync(file, stringify(data))
    try {
      loadTracksFile(file)
    } catch (error) {
      expect(error).toBeInstanceOf(DcbError)
      expect((error as DcbError).message).not.toContain('\n')
      return (error as DcbError).message
    }
    throw new Error('expected the file to be refused')
  }

  it('a number written as text', () => {
    const message = loadError((d) => (d.scales['7b-1x'].recipe.lr = 'fast'))
    expect(message).toMatch(/dclm\.yaml: scales\.7b-1x\.recipe\.lr: .*expected number, received string/)
  })

  it('a missing frozen field', () => {
    const message = loadError((d) => delete d.scales['1b-1x'].recipe.warmup)
    expect(message).toMatch(/dclm\.yaml: scales\.1b-1x\.recipe\.warmup: .*expected number/)
  })

  it('an unknown field (a typo must not silently drop a setting)', () => {
    const message = loadError((d) => (d.scales['3b-1x'].recipe.z_los = 1e-4))
    expect(message).toMatch(/dclm\.yaml: scales\.3b-1x\.recipe: .*z_los/)
  })

  it('a bad status', () => {
    const message = loadError((d) => (d.scales.tiny.status = 'beta'))
    expect(message).toMatch(/dclm\.yaml: scales\.tiny\.status: /)
  })

  it('a YAML syntax error or a missing file', () => {
    const file = join(tempDir(), 'dclm.yaml')
    writeFileSync(file, 'benchmark: [dclm\n')
    expect(() => loadTracksFile(file)).toThrow(/dclm\.yaml: /)
    expect(() => loadTracksFile(join(tempDir(), 'absent.yaml'))).toThrow(/absent\.yaml: file not found/)
  })
})
