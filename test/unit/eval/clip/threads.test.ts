import {describe, expect, it} from 'vitest'

import {defaultThreadSplit} from '../../../../src/eval/clip/threads.js'

describe('defaultThreadSplit', () => {
  it('gives onnxruntime every core and the decode pool one worker per two cores, never none', () => {
    expect(defaultThreadSplit(1)).toEqual({onnx: 1, decode: 1})
    expect(defaultThreadSplit(2)).toEqual({onnx: 2, decode: 1})
    expect(defaultThreadSplit(3)).toEqual({onnx: 3, decode: 2})
    expect(defaultThreadSplit(16)).toEqual({onnx: 16, decode: 8})
  })
})
