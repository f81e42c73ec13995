import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeAll, describe, expect, it} from 'vitest'

import {slurmCli, slurmSkipReason, startSlurmCluster} from '../../helpers/slurm-cluster.js'
import {useTempDir} from '../../helpers/tmp.js'

/** .ci/slurm-up.sh: a real two-node cluster on this host, started twice (idempotent), runs a 2-node job. */

const tempDir = useTempDir('dcbench-slurm-')

describe.skipIf(slurmSkipReason)('the test SLURM cluster', () => {
  beforeAll(async () => {
    await startSlurmCluster()
    await startSlurmCluster()
  })

  it('has two idle nodes and runs one task on each', async () => {
    expect((await slurmCli('sinfo', ['-h', '-N', '-o', '%N'])).split('\n').sort()).toEqual(['n1', 'n2'])
    const dir = tempDir()
    const script = join(dir, 'job.sh')
    writeFileSync(script, '#!/bin/bash\n#SBATCH --nodes=2 --ntasks-per-node=1\nsrun bash -c \'echo "$SLURMD_NODENAME $SLURM_PROCID"\'\n')
    const id = (await slurmCli('sbatch', ['--parsable', '--wait', `--chdir=${dir}`, `--output=${join(dir, 'out.txt')}`, script])).trim()
    expect(id).toMatch(/^\d+$/)
    expect(readFileSync(join(dir, 'out.txt'), 'utf8').trim().split('\n').sort()).toEqual(['n1 0', 'n2 1'])
  })
})
