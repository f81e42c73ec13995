import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import * as ort from 'onnxruntime-node'
import {z} from 'zod'

import {DcbError} from '../errors.js'
import {describeZodError} from '../util/zod-issue.js'

/**
 * `model/reference.json` (written by the tiny trainers, docs/containers.md): per ONNX graph, example
 * inputs and the outputs torch computed for them, so the harness can check the export in onnxruntime.
 */
const EncodedArray = z.object({
  dtype: z.enum(['float32', 'int64']),
  shape: z.array(z.number().int().nonnegative()),
  base64: z.string(),
  /**
   * Outputs only: when present, `base64` holds the values at these flat indices (base64 of int64) of
   * the `shape`-sized output, not all of it — how an LM's logits over a long context stay small.
   */
  indices: z.string().optional(),
})
const ReferenceFile = z.object({
  format: z.literal('dcbench.onnx-reference/1'),
  tolerance: z.number().positive(),
  graphs: z.record(z.string(), z.object({inputs: z.record(z.string(), EncodedArray), outputs: z.record(z.string(), EncodedArray)})),
})

/** How one graph compared. */
export interface OnnxReferenceResult {
  graph: string
  /** Largest |onnxruntime − torch| over every output element. */
  maxAbsDiff: number
  /** The reference file's tolerance the difference was held to. */
  tolerance: number
  /** Output names and shapes onnxruntime produced. */
  outputs: Record<string, readonly number[]>
}

function decode(array: z.infer<typeof EncodedArray>): ort.Tensor {
  const bytes = Buffer.from(array.base64, 'base64')
  const copy = new Uint8Array(bytes).buffer
  const data = array.dtype === 'float32' ? new Float32Array(copy) : new BigInt64Array(copy)
  if (data.length !== array.shape.reduce((a, b) => a * b, 1)) throw new Error(`shape ${JSON.stringify(array.shape)} does not match ${data.length} values`)
  return new ort.Tensor(array.dtype, data, array.shape)
}

/** The recorded torch values of an output and the flat indices they are at (every index when not sampled). */
function expectedValues(array: z.infer<typeof EncodedArray>): {values: Float32Array; indices: BigInt64Array | undefined} {
  if (array.indices === undefined) return {values: decode(array).data as Float32Array, indices: undefined}
  const values = new Float32Array(new Uint8Array(Buffer.from(array.base64, 'base64')).buffer)
  const indices = new BigInt64Array(new Uint8Array(Buffer.from(array.indices, 'base64')).buffer)
  const size = array.shape.reduce((a, b) => a * b, 1)
  if (values.length !== indices.length || indices.some((i) => i < 0n || i >= BigInt(size))) {
    throw new DcbError('DCB_ONNX_REFERENCE', `sampled output: ${values.length} values at ${indices.length} indices, which must lie within its ${size} elements`)
  }
  return {values, indices}
}

/**
 * Runs every graph named in `modelDir/reference.json` in onnxruntime-node on the recorded inputs and
 * compares with the recorded torch outputs. Returns the differences; throws a one-line DcbError (exit
 * 1) when a graph's output names, shapes or values (beyond the file's tolerance) disagree.
 */
export async function checkOnnxReference(modelDir: string, file = 'reference.json'): Promise<OnnxReferenceResult[]> {
  const path = join(modelDir, file)
  let parsed: z.infer<typeof ReferenceFile>
  try {
    const result = ReferenceFile.safeParse(JSON.parse(readFileSync(path, 'utf8')))
    if (!result.success) throw new Error(describeZodError(result.error))
    parsed = result.data
  } catch (error) {
    throw new DcbError('DCB_ONNX_REFERENCE', `${path}: ${(error as Error).message.split('\n')[0]}; expected a dcbench.onnx-reference/1 file`)
  }
  const results: OnnxReferenceResult[] = []
  for (const [graph, check] of Object.entries(parsed.graphs)) {
    const graphPath = join(modelDir, graph)
    const session = await ort.InferenceSession.create(graphPath, {executionProviders: ['cpu'], intraOpNumThreads: 1})
    try {
      const feeds = Object.fromEntries(Object.entries(check.inputs).map(([name, array]) => [name, decode(array)]))
      const outputs = await session.run(feeds)
      let maxAbsDiff = 0
      const shapes: Record<string, readonly number[]> = {}
      for (const [name, expected] of Object.entries(check.outputs)) {
        const got = outputs[name]
        if (!got) throw new DcbError('DCB_ONNX_MISMATCH', `${graphPath}: no output '${name}' (outputs: ${session.outputNames.join(', ')})`)
        shapes[name] = got.dims
        if (JSON.stringify(got.dims) !== JSON.stringify(expected.shape)) {
          throw new DcbError('DCB_ONNX_MISMATCH', `${graphPath}: output '${name}' has shape ${JSON.stringify(got.dims)}, torch gave ${JSON.stringify(expected.shape)}`)
        }
        const {values: want, indices} = expectedValues(expected)
        const have = got.data as Float32Array
        for (let i = 0; i < want.length; i++) {
          const at = indices ? Number(indices[i]) : i
          const diff = Math.abs((have[at] as number) - (want[i] as number))
          if (!(diff <= maxAbsDiff)) maxAbsDiff = Number.isNaN(diff) ? Infinity : diff
        }
      }
      if (!(maxAbsDiff <= parsed.tolerance)) {
        throw new DcbError('DCB_ONNX_MISMATCH', `${graphPath}: onnxruntime differs from torch by ${maxAbsDiff} (tolerance ${parsed.tolerance})`)
      }
      results.push({graph, maxAbsDiff, tolerance: parsed.tolerance, outputs: shapes})
    } finally {
      await session.release()
    }
  }
  return results
}
