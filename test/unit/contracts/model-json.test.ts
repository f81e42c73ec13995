import {mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {readModelJson} from '../../../src/contracts/model-json.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

const LM = {kind: 'lm', model: 'tiny', vocab_size: 100, seq_len: 16, eot_token_id: 0, onnx: {model: 'model.onnx'}, tokenizer: 'tokenizer.json'}

function modelDir(meta: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'dcbench-model-json-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'model.json'), JSON.stringify(meta))
  return dir
}

describe('model.json onnx.with_past (the LM graph with past keys/values)', () => {
  it('is optional, and read with its layer, head and head-size counts', () => {
    expect(readModelJson(modelDir(LM), 'lm').onnx.with_past).toBeUndefined()
    const withPast = {model: 'model_with_past.onnx', layers: 2, kv_heads: 4, head_dim: 16}
    expect(readModelJson(modelDir({...LM, onnx: {model: 'model.onnx', with_past: withPast}}), 'lm').onnx.with_past).toEqual(withPast)
  })

  it('refuses a count that is not a positive integer, naming the field', () => {
    const dir = modelDir({...LM, onnx: {model: 'model.onnx', with_past: {model: 'p.onnx', layers: 0, kv_heads: 4, head_dim: 16}}})
    expect(() => readModelJson(dir, 'lm')).toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/onnx\.with_past\.layers/)}))
  })

  it('reads the optional positions flag, and refuses one that is not a boolean', () => {
    const withPast = {model: 'model_with_past.onnx', layers: 2, kv_heads: 4, head_dim: 16, positions: true}
    expect(readModelJson(modelDir({...LM, onnx: {model: 'model.onnx', with_past: withPast}}), 'lm').onnx.with_past?.positions).toBe(true)
    const dir = modelDir({...LM, onnx: {model: 'model.onnx', with_past: {...withPast, positions: 'yes'}}})
    expect(() => readModelJson(dir, 'lm')).toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/onnx\.with_past\.positions/)}))
  })
})

describe('model.json names files inside its folder only', () => {
  it('accepts plain and nested relative names', () => {
    expect(readModelJson(modelDir({...LM, onnx: {model: 'graphs/model.onnx'}, reference: 'reference.json'}), 'lm').onnx.model).toBe('graphs/model.onnx')
  })

  it.each([
    ['onnx.model', {onnx: {model: '../other-run/model/model.onnx'}}],
    ['onnx.model', {onnx: {model: '/home/someone/model.onnx'}}],
    ['onnx.model', {onnx: {model: 'a/../../model.onnx'}}],
    ['tokenizer', {tokenizer: '..\\\\tokenizer.json'}],
    ['reference', {reference: ''}],
    ['onnx.with_past.model', {onnx: {model: 'model.onnx', with_past: {model: '../x/model_with_past.onnx', layers: 2, kv_heads: 4, head_dim: 16}}}],
  ])('refuses %s = %j in one line', (field, change) => {
    const dir = modelDir({...LM, ...change})
    expect(() => readModelJson(dir, 'lm')).toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR', message: expect.stringMatching(new RegExp(`model\\.json: ${field.replace('.', '\\.')}: .* is not a file name inside the model folder`))}))
  })

  it('refuses a model.json that is a link', () => {
    const dir = modelDir(LM)
    const other = modelDir(LM)
    rmSync(join(dir, 'model.json'))
    symlinkSync(join(other, 'model.json'), join(dir, 'model.json'))
    expect(() => readModelJson(dir, 'lm')).toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/model\.json: a symbolic link/)}))
  })
})
