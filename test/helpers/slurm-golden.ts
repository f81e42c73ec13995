import {join} from 'node:path'

import {resolveSlurmSettings, type SlurmSettingsInput} from '../../src/runner/slurm/site.js'
import {repoRoot} from './cli.js'

/**
 * The golden batch scripts of the official scales (test/fixtures/slurm/golden/): their file names and
 * the site options they are written with, shared by the unit test that holds them and the integration
 * test that compares the built CLI's `sbatch_script` with them.
 */

export const GOLDEN_DIR = join(repoRoot, 'test/fixtures/slurm/golden')

export function goldenFile(benchmark: string, scale: string, runtime: string, nodes = 1): string {
  return join(GOLDEN_DIR, `${scale}-${benchmark}-${runtime}${nodes > 1 ? `-${nodes}nodes` : ''}.sbatch`)
}

/** A realistic site's options, as flags (the CLI) and as settings (the library). */
export function goldenSite(benchmark: string, runtime: string): SlurmSettingsInput & {runtime: string; image: string} {
  const image = `/shared/images/${benchmark}-train.${runtime === 'pyxis' ? 'sqsh' : 'sif'}`
  return {runtime, image, partition: 'gpu', account: 'dcbench', time: '2-00:00:00', requeue: true, sbatchArgs: ['--exclusive']}
}

export const goldenSettings = (benchmark: string, runtime: string): ReturnType<typeof resolveSlurmSettings> => resolveSlurmSettings(goldenSite(benchmark, runtime))

/** The same options as `bench train` flags. */
export function goldenFlags(benchmark: string, runtime: string): string[] {
  const site = goldenSite(benchmark, runtime)
  return ['--runtime', runtime, '--slurm-image', site.image, '--partition', 'gpu', '--account', 'dcbench', '--time', '2-00:00:00', '--requeue', '--sbatch-arg', '--exclusive']
}

/** The data and run folders of the golden scripts (they need not exist: a dry run reads neither). */
export const goldenDirs = (benchmark: string, scale: string): {dataDir: string; runDir: string} => ({dataDir: `/shared/data/${benchmark}-${scale}`, runDir: `/shared/runs/${benchmark}-${scale}`})
