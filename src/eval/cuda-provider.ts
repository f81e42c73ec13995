import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {DcbError} from '../errors.js'

/**
 * Whether onnxruntime-node's CUDA execution provider is installed beside its native binding.
 *
 * onnxruntime-node 1.30 bundles only the CPU provider in its npm package; its install script
 * (`node_modules/onnxruntime-node/script/install.js`) downloads `libonnxruntime_providers_cuda.so`
 * and `libonnxruntime_providers_shared.so` from NuGet (Microsoft.ML.OnnxRuntime.Gpu.Linux, CUDA 12)
 * into `bin/napi-v6/linux/x64/` — on Linux x64 only. Where they are absent (installed with
 * ONNXRUNTIME_NODE_INSTALL=skip, offline, another platform) a CUDA session cannot exist, and
 * onnxruntime's own error is a multi-line native message; this check names the fix first.
 */
const PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']

/** The folder holding onnxruntime-node's native binding for this platform (where the CUDA provider must be). */
export function ortBindingFolder(): string {
  const require = createRequire(import.meta.url)
  // dist/index.js → package root; the binding lives in bin/napi-v6/<platform>/<arch>/
  const root = dirname(dirname(require.resolve('onnxruntime-node')))
  return join(root, 'bin', 'napi-v6', process.platform, process.arch)
}

/** The CUDA provider's files missing from `folder` (all of them off Linux x64, where none exists). */
export function missingCudaProviderFiles(folder = ortBindingFolder(), platform = `${process.platform}/${process.arch}`): string[] {
  if (platform !== 'linux/x64') return PROVIDER_FILES
  return PROVIDER_FILES.filter((name) => !existsSync(join(folder, name)))
}

/** The command that installs the provider into the onnxruntime-node this dcbench loads (needs nuget.org). */
export function cudaInstallCommand(folder = ortBindingFolder()): string {
  return `ONNXRUNTIME_NODE_INSTALL=cuda12 node ${join(folder, '..', '..', '..', '..', 'script', 'install.js')}`
}

/**
 * Refuses `--device cuda` (DCB_NO_CUDA_PROVIDER, exit 2) where onnxruntime-node's CUDA provider is not
 * installed; a no-op for cpu. Where the files are present, a missing GPU or CUDA 12 / cuDNN 9 library
 * still surfaces when the session is created (DCB_NO_CUDA, exit 3).
 */
export function assertDeviceAvailable(device: 'cpu' | 'cuda', folder?: string, platform?: string): void {
  if (device !== 'cuda') return
  const where = folder ?? ortBindingFolder()
  const plat = platform ?? `${process.platform}/${process.arch}`
  const missing = missingCudaProviderFiles(where, plat)
  if (missing.length === 0) return
  if (plat !== 'linux/x64') {
    throw new DcbError('DCB_NO_CUDA_PROVIDER', `--device cuda: onnxruntime-node has no CUDA execution provider on ${plat} (only linux/x64); use --device cpu`)
  }
  const install = cudaInstallCommand(where)
  throw new DcbError('DCB_NO_CUDA_PROVIDER', `--device cuda: onnxruntime-node's CUDA execution provider is not installed (${missing.join(', ')} missing in ${where}); install it with \`${install}\` (then CUDA 12 and cuDNN 9 must be on the library path), or use --device cpu`, {
    suggestions: [install],
  })
}
