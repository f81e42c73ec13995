import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa, type Options} from 'execa'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..')

export interface BenchResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs the built CLI (bin/run.js → dist/) as a user would, never throwing on a non-zero exit. */
export async function runBench(args: string[], options: Options = {}): Promise<BenchResult> {
  const result = await execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], {reject: false, ...options})
  return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}

/** Runs the CLI with --json and parses stdout. */
export async function runBenchJson<T = Record<string, unknown>>(args: string[], options: Options = {}): Promise<{exitCode: number; json: T; stderr: string}> {
  const result = await runBench([...args, '--json'], options)
  let json: T
  try {
    json = JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`bench ${args.join(' ')} --json printed no JSON (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`)
  }
  return {exitCode: result.exitCode, json, stderr: result.stderr}
}
