import {DecodePool} from './decode-pool.js'
import type {ClipModel} from './model.js'
import {defaultEncodeWorkerSplit} from './threads.js'

export interface EvalPoolOptions {
  /** Worker threads (default: defaultEncodeWorkerSplit on CPU, defaultThreadSplit on CUDA). */
  workers?: number
  /** onnxruntime intra-op threads per worker, on CPU (default: defaultEncodeWorkerSplit). */
  threads?: number
}

/**
 * The pool `bench eval` encodes images with: on CPU, workers that decode and encode a share of each batch (encodeImages cuts it)
 * (threads.ts says why); on CUDA, decode-only workers feeding the model's session on the GPU.
 */
export function createEvalPool(model: ClipModel, options: EvalPoolOptions = {}): DecodePool {
  if (model.device !== 'cpu') return new DecodePool(model.preprocess, options.workers)
  const split = defaultEncodeWorkerSplit()
  return new DecodePool(model.preprocess, options.workers ?? split.workers, {file: model.imageFile, threads: options.threads ?? split.onnx})
}
