import {describe, expect, it} from 'vitest'

import {lineSplitter} from '../../../src/runner/executors/lines.js'
import {parseTrainerLine} from '../../../src/runner/trainer-events.js'

describe('trainer output', () => {
  it('parses @dcbench lines into events and ignores everything else', () => {
    expect(parseTrainerLine('@dcbench {"event":"step","step":3,"steps_total":10,"loss":2.5}')).toEqual({event: 'step', step: 3, steps_total: 10, loss: 2.5})
    expect(parseTrainerLine('@dcbench {"event": "error", "message": "no shards"}')).toEqual({event: 'error', message: 'no shards'})
    for (const line of ['step 3 loss 2.5', '@dcbench not json', '@dcbench {"step": 3}', '@dcbench[1,2]', ' @dcbench {"event":"x"}', '@dcbench null']) {
      expect(parseTrainerLine(line), line).toBeUndefined()
    }
  })

  it('splits a byte stream into lines across chunk boundaries, multi-byte characters and CRLF', () => {
    const lines: string[] = []
    const split = lineSplitter((l) => lines.push(l))
    const bytes = Buffer.from('first\r\nsecond ünïcode\nthird', 'utf8')
    for (let i = 0; i < bytes.length; i += 3) split.write(bytes.subarray(i, i + 3))
    expect(lines).toEqual(['first', 'second ünïcode'])
    split.flush()
    expect(lines).toEqual(['first', 'second ünïcode', 'third'])
  })
})
