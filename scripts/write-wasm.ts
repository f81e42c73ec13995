// Reassembles the WebAssembly kernels into their embedding modules: `npm run wasm`.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {packageRoot} from '../src/util/paths.js'
import {assembleWat, embeddingModule, WASM_KERNELS} from './wasm-kernels.js'

for (const kernel of WASM_KERNELS) {
  writeFileSync(join(packageRoot(), kernel.module), embeddingModule(kernel, await assembleWat(kernel.source)))
}
