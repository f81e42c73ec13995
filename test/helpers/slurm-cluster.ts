import {execFileSync} from 'node:child_process'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'
import lockfile from 'proper-lockfile'

import {repoRoot} from './cli.js'

/**
 * The real two-node SLURM cluster of .ci/slurm-up.sh (munged + slurmctld + slurmd n1, n2 on this host)
 * for the `--executor slurm` integration tests. The tests skip, with the reason printed, only when
 * Debian's slurm-wlm or munge is not installed; CI installs both (.ci/run), so CI runs them.
 */

function missingTools(): string[] {
  return ['munged', 'slurmctld', 'slurmd', 'sbatch'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore', env: {PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`}})
      return false
    } catch {
      return true
    }
  })
}

const missing = missingTools()

/** Why the SLURM tests skip on this machine, or undefined when they run. */
export const slurmSkipReason: string | undefined = missing.length > 0 ? `SLURM tests skipped: ${missing.join(', ')} not installed (apt-get install slurm-wlm munge; .ci/run does)` : undefined
if (slurmSkipReason) console.warn(slurmSkipReason)

/** The cluster's state folder (the same for every test file: the script is idempotent). */
export const SLURM_DIR = process.env.DCBENCH_SLURM_DIR ?? '/tmp/dcbench-slurm'

/** The environment every SLURM client and `bench … --executor slurm` needs. */
export const slurmEnv = {SLURM_CONF: join(SLURM_DIR, 'slurm.conf')}

let releaseCluster: (() => Promise<void>) | undefined

/**
 * Starts the cluster (a no-op when it is up), points this process's SLURM clients at it, and holds it
 * for this test file: vitest runs files in parallel, and two files' jobs would wait on each other's
 * nodes past their timeouts. The hold ends when the file's process exits (proper-lockfile removes its
 * lock then, and takes over a stale one of a killed process after 10 s).
 */
export async function startSlurmCluster(): Promise<void> {
  if (!releaseCluster) {
    mkdirSync(SLURM_DIR, {recursive: true})
    releaseCluster = await lockfile.lock(SLURM_DIR, {lockfilePath: join(SLURM_DIR, '.in-use.lock'), retries: {retries: 1800, minTimeout: 1000, maxTimeout: 1000, factor: 1}})
  }
  const result = await execa('bash', [join(repoRoot, '.ci/slurm-up.sh'), SLURM_DIR], {reject: false, env: {PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`}})
  if (result.exitCode !== 0) throw new Error(`.ci/slurm-up.sh failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`)
  process.env.SLURM_CONF = slurmEnv.SLURM_CONF
}

/** Runs a SLURM client (scontrol, squeue, …) against the test cluster; returns stdout. */
export async function slurmCli(tool: string, args: string[]): Promise<string> {
  return String((await execa(tool, args, {env: slurmEnv})).stdout)
}
