import {describe, expect, it} from 'vitest'

import {defaultEncodeWorkerSplit, defaultThreadSplit} from '../../../../src/eval/clip/threads.js'

describe('defaultThreadSplit', () => {
  it('gives onnxruntime every core and the decode pool one worker per two cores, never none', () => {
    expect(defaultThreadSplit(1)).toEqual({onnx: 1, decode: 1})
    expect(defaultThreadSplit(2)).toEqual({onnx: 2, decode: 1})
    expect(defaultThreadSplit(3)).toEqual({onnx: 3, decode: 2})
    expect(defaultThreadSplit(16)).toEqual({onnx: 16, decode: 8})
  })

  it('runs up to 4 encoding workers (a model copy each), the cores shared among them', () => {
    expect(defaultEncodeWorkerSplit(1)).toEqual({workers: 1, onnx: 1})
    expect(defaultEncodeWorkerSplit(2)).toEqual({workers: 2, onnx: 1})
    expect(defaultEncodeWorkerSplit(16)).toEqual({workers: 4, onnx: 4})
  })
})
