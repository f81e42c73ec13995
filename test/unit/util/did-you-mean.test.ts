import {describe, expect, it} from 'vitest'

import {closestMatch} from '../../../src/util/did-you-mean.js'

describe('closestMatch (did-you-mean)', () => {
  const commands = ['eval', 'eval aggregate', 'eval fetch', 'subset convert', 'subset validate', 'tracks list', 'tracks show']

  it('finds the command a slip of the keyboard meant', () => {
    expect(closestMatch('subset valdate', commands)).toBe('subset validate')
    expect(closestMatch('evl', commands)).toBe('eval')
    expect(closestMatch('tracks lst', commands)).toBe('tracks list')
    expect(closestMatch('Eval Fetch', commands)).toBe('eval fetch')
  })

  it('suggests nothing for a name that is not close to any', () => {
    expect(closestMatch('zzzz', commands)).toBeUndefined()
    expect(closestMatch('quickstart', commands)).toBeUndefined()
  })

  it('suggests flags the same way', () => {
    expect(closestMatch('--poool', ['--pool', '--pool-index', '--json'])).toBe('--pool')
    expect(closestMatch('--benchmrk', ['--benchmark', '--scale'])).toBe('--benchmark')
  })
})
