import {availableParallelism} from 'node:os'

/** How CLIP eval splits the cores between onnxruntime and the decode pool by default. */
export interface ThreadSplit {
  /** onnxruntime intra-op threads (not spinning: they sleep while waiting, leaving the core to decoding). */
  onnx: number
  /** Decode worker threads. */
  decode: number
}

/**
 * The encoder is most of the work once decoding runs in WebAssembly (on 2 cores, bench/clip-eval:
 * a 224 px ViT costs 5.1 ms of CPU per image in onnxruntime against 1.9 ms to decode and
 * preprocess a 320×240 JPEG; a 32 px one 0.09 against 0.11 ms), so onnxruntime gets every core and
 * the decode workers, half as many, fill what it leaves idle. Measured on 2 cores: 2 onnxruntime
 * threads and 1 decode worker beat the former 1 and 2 by 1.2-1.4× at 224 px, and tie at 32 px.
 */
export function defaultThreadSplit(cores = availableParallelism()): ThreadSplit {
  return {onnx: Math.max(1, cores), decode: Math.max(1, Math.ceil(cores / 2))}
}

/** Workers that decode and also encode, each with its own single-session onnxruntime (CPU only). */
export interface EncodeWorkerSplit {
  workers: number
  /** onnxruntime intra-op threads per worker. */
  onnx: number
}

/**
 * Decoding and encoding a batch in the same worker, several workers side by side, keeps every core
 * busy without onnxruntime's threads and the decode workers preempting each other mid-operator
 * (on 2 cores that contention cost onnxruntime ~30% of its speed). Each worker holds its own copy
 * of the image encoder, so at most 4 workers, the cores shared among them.
 */
export function defaultEncodeWorkerSplit(cores = availableParallelism()): EncodeWorkerSplit {
  const workers = Math.max(1, Math.min(cores, 4))
  return {workers, onnx: Math.max(1, Math.floor(cores / workers))}
}
