/**
 * JPEG decoding in WebAssembly: libjpeg-turbo's decoder (mozjpeg 3.3.1, as @jsquash/jpeg builds it)
 * with libjpeg's defaults, as PIL decodes (islow IDCT, fancy upsampling, no EXIF rotation, no ICC).
 * For a small image it is several times cheaper than a sharp call, whose per-call overhead (libvips
 * pipeline, thread pool) is most of the cost.
 *
 * Only layouts whose decode is known to equal PIL's (libjpeg-turbo 2.x) are taken: Huffman-coded
 * (baseline, extended, progressive), grey or 3 components with full-size chroma and luma sampled
 * 1×1, 2×1, 2×2 or 4×1. Not 4:4:0 (h1v2): libjpeg-turbo 2.0 gave it fancy upsampling, which this
 * older decoder lacks; not arithmetic coding, which this build leaves out. The caller decodes
 * the rest, and anything libjpeg warns about, with sharp.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import mozjpegDecoder from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js'

import {readJpegFrame} from './jpeg-header.js'
import type {RawImage} from './pil-resize.js'

interface MozjpegModule {
  decode(data: Uint8Array, preserveOrientation: boolean): {data: Uint8ClampedArray; width: number; height: number} | null
}

const LUMA_SAMPLINGS = new Set(['1x1', '2x1', '2x2', '4x1'])

/** Whether the WebAssembly decoder gives PIL's pixels for these bytes (see the module comment). */
export function wasmJpegDecodable(bytes: Uint8Array): boolean {
  const frame = readJpegFrame(bytes)
  if (!frame || frame.marker > 0xc2) return false
  const [luma, ...chroma] = frame.components
  if (!luma) return false
  if (chroma.length === 0) return true
  return chroma.length === 2 && chroma.every((c) => c.h === 1 && c.v === 1) && LUMA_SAMPLINGS.has(`${luma.h}x${luma.v}`)
}

let compiled: WebAssembly.Module | undefined

function wasmModule(): WebAssembly.Module {
  const require = createRequire(import.meta.url)
  compiled ??= new WebAssembly.Module(readFileSync(require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm')))
  return compiled
}

/** One instance of the decoder; after an error it is spent (`failed`), as libjpeg's exit left it. */
export class WasmJpegDecoder {
  failed = false

  private constructor(
    private readonly module: MozjpegModule,
    /** libjpeg's messages (warnings, errors) since the last decode began. */
    private readonly log: {messages: number},
  ) {}

  private static current: Promise<WasmJpegDecoder> | undefined

  /** This thread's decoder: a fresh instance after one failed. */
  static async get(): Promise<WasmJpegDecoder> {
    let decoder = await (WasmJpegDecoder.current ??= WasmJpegDecoder.create())
    if (decoder.failed) {
      WasmJpegDecoder.current = WasmJpegDecoder.create()
      decoder = await WasmJpegDecoder.current
    }
    return decoder
  }

  static async create(): Promise<WasmJpegDecoder> {
    const wasm = wasmModule()
    const log = {messages: 0}
    const module = (await mozjpegDecoder({
      noInitialRun: true,
      // libjpeg's warnings and errors (corrupt or truncated data, unsupported colour conversions).
      printErr: () => {
        log.messages++
      },
      instantiateWasm: (imports: WebAssembly.Imports, ready: (instance: WebAssembly.Instance) => void) => {
        const instance = new WebAssembly.Instance(wasm, imports)
        ready(instance)
        return instance.exports
      },
    } as Parameters<typeof mozjpegDecoder>[0])) as unknown as MozjpegModule
    return new WasmJpegDecoder(module, log)
  }

  /** RGBA pixels (alpha 255), or undefined when libjpeg failed or warned: the caller decodes otherwise. */
  decode(bytes: Uint8Array): RawImage | undefined {
    this.log.messages = 0
    try {
      const image = this.module.decode(bytes, false)
      if (!image || this.log.messages > 0) return undefined
      const {data, width, height} = image
      return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4}
    } catch {
      this.failed = true
      return undefined
    }
  }
}
