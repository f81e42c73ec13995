import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {CONFIRM_ABOVE_BYTES, confirmDownload, renderDownloadPlan} from '../../../src/ui/confirm-download.js'

const plan = (totalBytes: number) => ({tasks: [{key: 'imagenet1k', source: 'djghosh/wds_imagenet1k_test', bytes: totalBytes}], totalBytes})

/** A pair of streams that say they are terminals; `answer` is typed at the prompt. */
function terminal(answer: string) {
  const input = Object.assign(new PassThrough(), {isTTY: true})
  const output = Object.assign(new PassThrough(), {isTTY: true})
  let shown = ''
  let answered = false
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString()
    // readline echoes what is typed to a terminal: answer the prompt once
    if (!answered && shown.includes('[y/N]')) {
      answered = true
      input.write(`${answer}\n`)
    }
  })
  return {input, output, shown: () => shown}
}

describe('confirming a large download', () => {
  it('lets 10 GB and less through without asking', async () => {
    const notATerminal = {input: new PassThrough(), output: new PassThrough()}
    await expect(confirmDownload(plan(CONFIRM_ABOVE_BYTES), {yes: false, ...notATerminal})).resolves.toBeUndefined()
  })

  it('more: --yes goes ahead; without a terminal it is refused with the size, in one line', async () => {
    const notATerminal = {input: new PassThrough(), output: new PassThrough()}
    await expect(confirmDownload(plan(12.5e9), {yes: true, ...notATerminal})).resolves.toBeUndefined()
    await expect(confirmDownload(plan(12.5e9), {yes: false, ...notATerminal})).rejects.toMatchObject({code: 'DCB_FETCH_CONFIRM', message: '12.5 GB to download in 1 task(s), over the 10.0 GB that needs confirming; nothing was downloaded'})
  })

  it('on a terminal it asks, and only y or yes goes ahead; --json never asks', async () => {
    const yes = terminal('y')
    await expect(confirmDownload(plan(12.5e9), {yes: false, ...yes})).resolves.toBeUndefined()
    expect(yes.shown()).toContain('Download 12.5 GB? [y/N] ')
    const no = terminal('')
    await expect(confirmDownload(plan(12.5e9), {yes: false, ...no})).rejects.toMatchObject({code: 'DCB_FETCH_CONFIRM', message: '12.5 GB to download was not confirmed at the prompt; nothing was downloaded'})
    const quiet = terminal('y')
    await expect(confirmDownload(plan(12.5e9), {yes: false, interactive: false, ...quiet})).rejects.toMatchObject({code: 'DCB_FETCH_CONFIRM'})
    expect(quiet.shown()).toBe('')
  })

  it('prints every task with its source and size, then the total', () => {
    const text = renderDownloadPlan({tasks: [{key: 'a', source: 'x/a', bytes: 1500}, {key: 'b', source: 'x/b', bytes: 2_500_000_000}], totalBytes: 2_500_001_500})
    expect(text).toMatch(/a\s*│ x\/a\s*│ 1.50 kB/)
    expect(text).toMatch(/b\s*│ x\/b\s*│ 2.50 GB/)
    expect(text).toContain('total to download: 2.50 GB (2500001500 bytes) in 2 task(s)')
  })
})
