import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {repoRoot} from '../../helpers/cli.js'

interface LockEntry {
  optionalDependencies?: Record<string, string>
}

describe('package-lock.json', () => {
  it('lists every optional dependency, so `npm ci` accepts it (scripts/complete-lockfile.mjs)', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {packages: Record<string, LockEntry>}
    const missing: string[] = []
    for (const [path, meta] of Object.entries(lock.packages)) {
      for (const name of Object.keys(meta.optionalDependencies ?? {})) {
        const nested = `${path === '' ? '' : `${path}/`}node_modules/${name}`
        if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`]) missing.push(`${path} → ${name}`)
      }
    }
    expect(missing).toEqual([])
  })
})
