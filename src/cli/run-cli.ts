import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {execute} from '@oclif/core'

import {packageRoot} from '../util/paths.js'

/**
 * Runs the `bench` command line in this process, as `bin/run.js` does, with every benchmark
 * registered so far: a program that registers its own benchmark (`registerBenchmark`) and then
 * calls `runCli(process.argv.slice(2))` is `bench` with that benchmark added
 * (docs/adding-a-benchmark.md).
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  await execute({dir: pathToFileURL(join(packageRoot(), 'bin', 'run.js')).href, args: [...argv]})
}
