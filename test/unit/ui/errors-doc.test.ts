import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ERRORS} from '../../../src/errors.js'
import {renderErrorsDoc} from '../../../src/ui/errors-doc.js'
import {repoRoot} from '../../helpers/cli.js'

describe('docs/errors.md', () => {
  it('is what the catalogue writes (run `npm run errors` after changing src/error-catalogue.ts)', () => {
    expect(readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8')).toBe(renderErrorsDoc())
  })

  it('has one heading per code, so docs/errors.md#dcb_code links work', () => {
    const headings = [...renderErrorsDoc().matchAll(/^### (DCB_\w+)$/gm)].map((m) => m[1])
    expect(headings.toSorted()).toEqual(Object.keys(ERRORS).toSorted())
  })
})
