import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {trackJsonSchemas} from '../../../src/tracks/index.js'
import {repoRoot} from '../../helpers/cli.js'

describe('published JSON Schemas', () => {
  it('docs/schemas matches the zod schemas (run `npm run schemas` after changing them)', () => {
    for (const [name, schema] of Object.entries(trackJsonSchemas())) {
      const published = JSON.parse(readFileSync(join(repoRoot, 'docs/schemas', name), 'utf8'))
      expect(published, name).toEqual(schema)
    }
  })
})
