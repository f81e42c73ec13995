import {afterEach, describe, expect, it} from 'vitest'

import {jobState, sbatch} from '../../../../src/runner/slurm/client.js'

// Without the SLURM client commands, --executor slurm says so in one line (exit 3), whatever it tried first.

const path = process.env.PATH
afterEach(() => {
  process.env.PATH = path
})

describe('the SLURM client commands', () => {
  it('are named in DCB_NO_SLURM when they are not on PATH', async () => {
    process.env.PATH = '/nonexistent'
    await expect(jobState('12')).rejects.toMatchObject({code: 'DCB_NO_SLURM', message: expect.stringMatching(/^scontrol: not found on this machine; --executor slurm needs/)})
    await expect(sbatch('/tmp/x.sbatch')).rejects.toMatchObject({code: 'DCB_NO_SLURM', message: expect.stringMatching(/^sbatch: not found/)})
  })

  it('refuse a job id that is not one', async () => {
    await expect(jobState('12; rm -rf /')).rejects.toMatchObject({code: 'DCB_SLURM_JOB'})
  })
})
