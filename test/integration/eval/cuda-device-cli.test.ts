import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {missingCudaProviderFiles} from '../../../src/eval/cuda-provider.js'
import {runBench, runBenchJson} from '../../helpers/cli.js'

// This machine installs onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=skip, so the CUDA provider is
// absent: `bench eval --device cuda` must refuse in one line before reading a model or making data.
describe.skipIf(missingCudaProviderFiles().length === 0)('bench eval --device cuda without the CUDA provider', () => {
  for (const benchmark of ['datacomp', 'dclm']) {
    it(`${benchmark}: one DCB_NO_CUDA_PROVIDER line, exit 2, nothing written`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'dcbench-cuda-'))
      const args = ['eval', '--benchmark', benchmark, '--scale', 'tiny', '--model', join(root, 'model'), '--data', join(root, 'data'), '--device', 'cuda']
      const plain = await runBench(args)
      expect(plain.exitCode).toBe(2)
      expect(plain.stderr.trim().split('\n')[0]).toMatch(/^error \[DCB_NO_CUDA_PROVIDER\]: --device cuda: onnxruntime-node's CUDA execution provider is not installed .*ONNXRUNTIME_NODE_INSTALL=cuda12 node .*install\.js/)
      expect(plain.stderr).not.toMatch(/\n\s+at /)
      const {exitCode, json} = await runBenchJson<{error: {code: string}}>(args)
      expect(exitCode).toBe(2)
      expect(json.error.code).toBe('DCB_NO_CUDA_PROVIDER')
      expect(existsSync(join(root, 'data'))).toBe(false)
    })
  }
})
