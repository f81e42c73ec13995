import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'
import {describe, expect, it} from 'vitest'

import {assertExternalDataInside, externalDataProblems, readExternalDataRefs} from '../../../src/contracts/onnx-external-data.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * The graphs here are real ONNX protobufs written field by field (onnx.proto3's numbers): y = x · W with
 * W, 32×32 float32, stored inline or as external data — onnxruntime loads and runs the valid ones, so
 * the walker is held to the format onnxruntime reads.
 */

const varint = (n: number): Buffer => {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Buffer.from(out)
}
const field = (number: number, value: Buffer | string | number): Buffer => {
  if (typeof value === 'number') return Buffer.concat([varint(number * 8), varint(value)])
  const bytes = typeof value === 'string' ? Buffer.from(value) : value
  return Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes])
}
const msg = (...parts: Buffer[]): Buffer => Buffer.concat(parts)

const W = Float32Array.from({length: 1024}, (_, i) => (i % 7) - 3)
const W_BYTES = Buffer.from(W.buffer)

/** TensorProto W: dims 32×32, FLOAT, inline raw_data or external {location, offset, length}. */
function weight(external?: {location: string; offset?: number; length?: number}): Buffer {
  const head = msg(field(1, 32), field(1, 32), field(2, 1), field(8, 'W'))
  if (!external) return msg(head, field(9, W_BYTES))
  const entry = (key: string, value: string): Buffer => field(13, msg(field(1, key), field(2, value)))
  return msg(head, entry('location', external.location), entry('offset', String(external.offset ?? 0)), entry('length', String(external.length ?? W_BYTES.length)), field(14, 1))
}

const valueInfo = (name: string, dims: number[]): Buffer =>
  msg(field(1, name), field(2, field(1, msg(field(1, 1), field(2, msg(...dims.map((d) => field(1, field(1, d)))))))))

/** ModelProto (IR 8, opset 17) of y = MatMul(x, W); `extraNode` goes into the graph's nodes. */
function model(tensor: Buffer, extraNode?: Buffer): Buffer {
  const matmul = msg(field(1, 'x'), field(1, 'W'), field(2, 'y'), field(4, 'MatMul'))
  const graph = msg(field(1, matmul), ...(extraNode ? [field(1, extraNode)] : []), field(2, 'g'), field(5, tensor), field(11, valueInfo('x', [1, 32])), field(12, valueInfo('y', [1, 32])))
  return msg(field(1, 8), field(7, graph), field(8, msg(field(1, ''), field(2, 17))))
}

async function run(file: string): Promise<number> {
  const session = await ort.InferenceSession.create(file)
  try {
    const out = await session.run({x: new ort.Tensor('float32', new Float32Array(32).fill(1), [1, 32])})
    return (out.y!.data as Float32Array)[0]!
  } finally {
    await session.release()
  }
}

const expected = Array.from({length: 32}, (_, r) => W[r * 32]!).reduce((a, b) => a + b)

describe('external data of a model folder’s ONNX graphs', () => {
  const tmp = useTempDir('dcbench-onnx-external-')

  it('two graphs over one shared file: both read only it, at their offsets, and run in onnxruntime', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([Buffer.alloc(4096), W_BYTES]))
    writeFileSync(join(dir, 'model.onnx'), model(weight({location: 'weights.bin', offset: 4096})))
    writeFileSync(join(dir, 'model_with_past.onnx'), model(weight({location: 'weights.bin', offset: 4096})))
    writeFileSync(join(dir, 'inline.onnx'), model(weight()))
    expect(readExternalDataRefs(join(dir, 'model.onnx'))).toEqual([{tensor: 'W', location: 'weights.bin', offset: 4096, length: 4096}])
    expect(readExternalDataRefs(join(dir, 'inline.onnx'))).toEqual([])
    const shared = {'model.onnx': 'weights.bin', 'model_with_past.onnx': 'weights.bin'}
    expect(() => assertExternalDataInside(dir, ['model.onnx', 'model_with_past.onnx', 'inline.onnx'], shared)).not.toThrow()
    for (const graph of ['model.onnx', 'model_with_past.onnx', 'inline.onnx']) expect(await run(join(dir, graph)), graph).toBe(expected)
  })

  it('a location outside the folder (.., absolute, a link to outside) is refused with one DCB_MODEL_DIR line, as onnxruntime refuses it', async () => {
    const root = tmp()
    const dir = join(root, 'model')
    mkdirSync(dir)
    writeFileSync(join(root, 'w.bin'), W_BYTES)
    symlinkSync(join(root, 'w.bin'), join(dir, 'link.bin'))
    const cases: [string, string, RegExp][] = [
      ['up.onnx', '../w.bin', /reads external data from "\.\.\/w\.bin", outside the model folder/],
      ['abs.onnx', join(root, 'w.bin'), /outside the model folder/],
      ['link.onnx', 'link.bin', /link\.bin is a symbolic link \(to .*w\.bin\)/],
    ]
    for (const [graph, location, message] of cases) {
      writeFileSync(join(dir, graph), model(weight({location})))
      const named = {[graph]: location.startsWith('/') ? 'w.bin' : location.replace('../', '')}
      const problems = externalDataProblems(dir, graph, named[graph])
      expect(problems, graph).toHaveLength(1)
      expect(problems[0]).toMatch(new RegExp(`^${join(dir, graph).replaceAll('.', '\\.')}: initializer 'W' `))
      expect(problems[0]).toMatch(message)
      expect(() => assertExternalDataInside(dir, [graph], named)).toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR'}))
      await expect(run(join(dir, graph)), graph).rejects.toThrow(/External data path/)
    }
  })

  it('a file model.json does not name for the graph, a missing file, or a range past the end is refused', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'weights.bin'), W_BYTES)
    writeFileSync(join(dir, 'other.bin'), W_BYTES)
    writeFileSync(join(dir, 'other.onnx'), model(weight({location: 'other.bin'})))
    expect(externalDataProblems(dir, 'other.onnx', 'weights.bin')[0]).toMatch(/reads external data from "other\.bin", but model\.json's onnx_external_data names "weights\.bin"$/)
    expect(externalDataProblems(dir, 'other.onnx', undefined)[0]).toMatch(/names no file for other\.onnx$/)
    expect(externalDataProblems(dir, 'other.onnx', './other.bin')).toEqual([])
    writeFileSync(join(dir, 'dot.onnx'), model(weight({location: '.'})))
    expect(externalDataProblems(dir, 'dot.onnx', 'weights.bin')[0]).toMatch(/reads external data from "\.", outside the model folder/)
    writeFileSync(join(dir, 'gone.onnx'), model(weight({location: 'gone.bin'})))
    expect(externalDataProblems(dir, 'gone.onnx', 'gone.bin')[0]).toMatch(/gone\.bin is missing$/)
    writeFileSync(join(dir, 'long.onnx'), model(weight({location: 'weights.bin', offset: 4000})))
    expect(externalDataProblems(dir, 'long.onnx', 'weights.bin')[0]).toMatch(/bytes 4000…8096 of a 4096-byte file$/)
  })

  it('a graph in a subfolder reads relative to its own folder; a subgraph’s tensor (an If branch) is checked too', () => {
    const dir = tmp()
    mkdirSync(join(dir, 'onnx'))
    writeFileSync(join(dir, 'onnx', 'weights.bin'), W_BYTES)
    writeFileSync(join(dir, 'onnx', 'model.onnx'), model(weight({location: 'weights.bin'})))
    expect(externalDataProblems(dir, 'onnx/model.onnx', 'onnx/weights.bin')).toEqual([])
    expect(externalDataProblems(dir, 'onnx/model.onnx', 'weights.bin')).toHaveLength(1)
    // an If node whose then_branch (attribute type GRAPH = 5) holds an initializer reading ../../etc/passwd
    const branch = msg(field(2, 'then'), field(5, weight({location: '../../etc/passwd'})))
    const ifNode = msg(field(1, 'cond'), field(2, 'z'), field(4, 'If'), field(5, msg(field(1, 'then_branch'), field(6, branch), field(20, 5))))
    writeFileSync(join(dir, 'nested.onnx'), model(weight(), ifNode))
    expect(readExternalDataRefs(join(dir, 'nested.onnx'))).toEqual([{tensor: 'W', location: '../../etc/passwd', offset: 0, length: 4096}])
    expect(externalDataProblems(dir, 'nested.onnx', undefined)[0]).toMatch(/"\.\.\/\.\.\/etc\/passwd", outside the model folder/)
  })

  it('a file that is not an ONNX protobuf is one DCB_MODEL_DIR line naming it', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'model.onnx'), Buffer.concat([field(7, Buffer.alloc(10)), Buffer.from([0x3a, 0xff, 0xff, 0xff, 0x0f])]))
    expect(() => readExternalDataRefs(join(dir, 'model.onnx'))).toThrow(expect.objectContaining({code: 'DCB_MODEL_DIR', message: expect.stringMatching(/model\.onnx: not an ONNX model protobuf \(field 7 at byte \d+ runs past its message/)}))
    writeFileSync(join(dir, 'bad-offset.onnx'), model(weight({location: 'w.bin', offset: -1})))
    expect(() => readExternalDataRefs(join(dir, 'bad-offset.onnx'))).toThrow(/bad-offset\.onnx: not an ONNX model protobuf \(tensor 'W': external_data offset "-1" is not a byte count\)/)
  })
})
