import {Flags} from '@oclif/core'
import {resolveSlurmSettings, type SlurmSettings} from '../runner/slurm/site.js'

/**
 * The flags of `--executor slurm` (docs/slurm.md): the site's options, which override the same keys of
 * `--slurm-config FILE`, and the runtime on the nodes. src/runner/slurm/site.ts checks every value.
 */
export const slurmFlags = {
  'slurm-config': Flags.string({description: 'SLURM site options file (YAML or JSON: partition, account, qos, time, constraint, sbatch_args, requeue, signal, runtime, image); flags override it.', helpGroup: 'SLURM'}),
  runtime: Flags.string({description: 'Where the trainer runs on the nodes: host (their python3 and this checkout on a shared file system), pyxis or apptainer [unverified].', options: ['host', 'pyxis', 'apptainer'], helpGroup: 'SLURM'}),
  'slurm-image': Flags.string({description: 'pyxis: an enroot squashfs or image reference; apptainer: a .sif file of the trainer image.', helpGroup: 'SLURM'}),
  partition: Flags.string({description: 'sbatch --partition.', helpGroup: 'SLURM'}),
  account: Flags.string({description: 'sbatch --account.', helpGroup: 'SLURM'}),
  qos: Flags.string({description: 'sbatch --qos.', helpGroup: 'SLURM'}),
  time: Flags.string({description: 'sbatch --time (minutes, HH:MM:SS or D-HH:MM:SS).', helpGroup: 'SLURM'}),
  constraint: Flags.string({description: 'sbatch --constraint.', helpGroup: 'SLURM'}),
  'sbatch-arg': Flags.string({description: 'Another #SBATCH option, --name=value (repeatable).', multiple: true, helpGroup: 'SLURM'}),
  requeue: Flags.boolean({description: 'sbatch --requeue: a preempted or timed-out job checkpoints on --signal, is requeued and resumes.', allowNo: true, helpGroup: 'SLURM'}),
  signal: Flags.string({description: 'sbatch --signal: what the job gets before its time limit (default B:USR1@120).', helpGroup: 'SLURM'}),
}

/** The site settings of `--executor slurm` from the parsed `slurmFlags` (src/runner/slurm/site.ts checks them). */
export function slurmSettingsFrom(flags: {'slurm-config'?: string; partition?: string; account?: string; qos?: string; time?: string; constraint?: string; 'sbatch-arg'?: string[]; requeue?: boolean; signal?: string; runtime?: string; 'slurm-image'?: string}): SlurmSettings {
  return resolveSlurmSettings({configFile: flags['slurm-config'], partition: flags.partition, account: flags.account, qos: flags.qos, time: flags.time, constraint: flags.constraint, sbatchArgs: flags['sbatch-arg'], requeue: flags.requeue, signal: flags.signal, runtime: flags.runtime, image: flags['slurm-image']})
}
