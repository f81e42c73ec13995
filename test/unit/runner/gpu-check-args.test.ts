import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {gpuCheckArgs} from '../../../src/runner/official/gpu-check-args.js'
import {packageRoot} from '../../../src/util/paths.js'

describe('containers/official/gpu-check-args.json', () => {
  it('is what bench train --smoke plans for DataComp small and DCLM 400m-1x (npm run gpu-check-args rewrites it)', () => {
    const file = JSON.parse(readFileSync(join(packageRoot(), 'containers/official/gpu-check-args.json'), 'utf8')) as unknown
    expect(file).toEqual(gpuCheckArgs())
  })
})
