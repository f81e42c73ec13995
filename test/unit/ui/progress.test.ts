import {PassThrough} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {createProgressDisplay} from '../../../src/ui/progress.js'

/** A stream that records what is written, a terminal or not. */
function capture(tty: boolean): {stream: NodeJS.WriteStream; text: () => string} {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & {isTTY: boolean; columns: number}
  stream.isTTY = tty
  stream.columns = 100
  let text = ''
  ;(stream as unknown as PassThrough).on('data', (chunk: Buffer) => (text += chunk.toString()))
  return {stream, text: () => text}
}

describe('progress display', () => {
  it('on a pipe, prints the last event once, not again at stop', async () => {
    const out = capture(false)
    const display = createProgressDisplay({label: 'index', unit: 'uids', stream: out.stream})
    display.update({done: 20000, total: 20000})
    display.stop()
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toBe('index: 20000/20000 uids eta 0s\n')
  })

  it('on a pipe, an update after the last printed line is printed at stop', async () => {
    const out = capture(false)
    const display = createProgressDisplay({label: 'index', unit: 'uids', stream: out.stream, plainIntervalSeconds: 3600})
    display.update({done: 10})
    display.update({done: 30})
    display.stop('done')
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toBe('index: 10 uids\nindex: 30 uids\ndone\n')
  })

  it('on a terminal with no total, shows a counter, never "100% | 1000/0"', async () => {
    const out = capture(true)
    const display = createProgressDisplay({label: 'filter', unit: 'samples', stream: out.stream})
    display.update({done: 1000, detail: 'shard 3'})
    display.stop()
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toContain('filter: 1000 samples | shard 3')
    expect(out.text()).not.toMatch(/%|\/0/)
  })

  it('on a terminal with a total, shows the bar with percentage and total', async () => {
    const out = capture(true)
    const display = createProgressDisplay({label: 'eval', stream: out.stream})
    display.update({done: 5, total: 10})
    display.stop()
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toContain('50% | 5/10')
  })
})
