import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {resolveSlurmSettings} from '../../../../src/runner/slurm/site.js'
import {useTempDir} from '../../../helpers/tmp.js'

// A site's SLURM options: flags over the config file over the defaults; every value that would go onto
// an #SBATCH line is held to SLURM's own characters, so none can add a line or an option.

const tmp = useTempDir('dcbench-slurm-site-')

describe('resolveSlurmSettings', () => {
  it('defaults: host runtime, no requeue, USR1 to the batch shell 120 s before the limit', () => {
    expect(resolveSlurmSettings({})).toEqual({runtime: 'host', site: {sbatchArgs: [], requeue: false, signal: 'B:USR1@120'}})
  })

  it('reads a YAML config file; flags override its keys and add sbatch args after its own', () => {
    const file = join(tmp(), 'site.yaml')
    writeFileSync(file, 'partition: gpu\naccount: lab\nqos: high\ntime: "2-00:00:00"\nconstraint: a100&ib\nsbatch_args: ["--exclusive"]\nrequeue: true\nruntime: pyxis\nimage: /shared/train.sqsh\n')
    expect(resolveSlurmSettings({configFile: file, partition: 'gpu-long', sbatchArgs: ['--mem=0']})).toEqual({
      runtime: 'pyxis',
      image: '/shared/train.sqsh',
      site: {partition: 'gpu-long', account: 'lab', qos: 'high', time: '2-00:00:00', constraint: 'a100&ib', sbatchArgs: ['--exclusive', '--mem=0'], requeue: true, signal: 'B:USR1@120'},
    })
  })

  it.each([
    [{partition: 'gpu\n#SBATCH --uid=0'}, /--partition: .* is not a SLURM partition name/],
    [{account: 'a b'}, /--account: "a b" is not a SLURM account name/],
    [{time: 'tomorrow'}, /--time: "tomorrow" is not a SLURM time limit/],
    [{signal: 'USR1@x'}, /--signal: .* is not a SLURM --signal value/],
    [{sbatchArgs: ['--mem=1G --uid=0']}, /--sbatch-arg: .* is not one --name or --name=value option without blanks/],
    [{sbatchArgs: ['--output=/etc/passwd']}, /--output has its own flag or is set by bench/],
    [{sbatchArgs: ['--nodes=9']}, /--nodes has its own flag or is set by bench/],
    [{runtime: 'pyxis'}, /--runtime pyxis needs --slurm-image/],
    [{runtime: 'docker'}, /--runtime: "docker" is not one of host, pyxis, apptainer/],
  ])('refuses %o in one line', (input, message) => {
    expect(() => resolveSlurmSettings(input)).toThrow(message)
    try {
      resolveSlurmSettings(input)
    } catch (error) {
      expect((error as {code: string}).code).toBe('DCB_SLURM_OPTION')
      expect((error as Error).message).not.toContain('\n')
    }
  })

  it('refuses an unknown key, a bad value or no YAML in the config file, naming the file', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'a.yaml'), 'partitoin: gpu\n')
    expect(() => resolveSlurmSettings({configFile: join(dir, 'a.yaml')})).toThrow(/a\.yaml: .*partitoin|a\.yaml: the document/)
    writeFileSync(join(dir, 'b.yaml'), 'partition: "a b"\n')
    expect(() => resolveSlurmSettings({configFile: join(dir, 'b.yaml')})).toThrow(/b\.yaml: partition: "a b" is not a SLURM partition name/)
    writeFileSync(join(dir, 'c.yaml'), 'partition: [\n')
    expect(() => resolveSlurmSettings({configFile: join(dir, 'c.yaml')})).toThrow(/c\.yaml: not YAML or JSON/)
    expect(() => resolveSlurmSettings({configFile: join(dir, 'missing.yaml')})).toThrow(/missing\.yaml: cannot read the SLURM config file \(ENOENT\)/)
  })
})
