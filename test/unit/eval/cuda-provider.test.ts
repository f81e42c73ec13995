import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {assertDeviceAvailable, missingCudaProviderFiles, ortBindingFolder} from '../../../src/eval/cuda-provider.js'
import type {DcbError} from '../../../src/errors.js'

function refusal(run: () => void): DcbError {
  try {
    run()
  } catch (error) {
    return error as DcbError
  }
  throw new Error('expected a refusal')
}

describe('--device cuda without the CUDA provider', () => {
  it('finds the binding folder onnxruntime-node loads from', () => {
    expect(ortBindingFolder()).toMatch(/onnxruntime-node[/\\]bin[/\\]napi-v6[/\\]/)
  })

  it('accepts cpu always, and cuda where both provider libraries are beside the binding', () => {
    expect(() => assertDeviceAvailable('cpu', '/nonexistent')).not.toThrow()
    const folder = mkdtempSync(join(tmpdir(), 'dcbench-ort-bin-'))
    writeFileSync(join(folder, 'libonnxruntime_providers_cuda.so'), '')
    expect(missingCudaProviderFiles(folder, 'linux/x64')).toEqual(['libonnxruntime_providers_shared.so'])
    writeFileSync(join(folder, 'libonnxruntime_providers_shared.so'), '')
    expect(() => assertDeviceAvailable('cuda', folder, 'linux/x64')).not.toThrow()
  })

  it('refuses with one line, exit 2, naming the install command and CUDA 12 / cuDNN 9', () => {
    const folder = mkdtempSync(join(tmpdir(), 'dcbench-ort-bin-'))
    const error = refusal(() => assertDeviceAvailable('cuda', folder, 'linux/x64'))
    expect(error.code).toBe('DCB_NO_CUDA_PROVIDER')
    expect(error.exitCode).toBe(2)
    expect(error.message).not.toContain('\n')
    expect(error.message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node ')
    expect(error.message).toContain('CUDA 12 and cuDNN 9')
    const mac = refusal(() => assertDeviceAvailable('cuda', folder, 'darwin/arm64'))
    expect(mac.message).toContain('only linux/x64')
  })
})
