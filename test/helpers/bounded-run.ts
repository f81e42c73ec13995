import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {expect} from 'vitest'

import {repoRoot} from './cli.js'

/**
 * Runs the built CLI on a hostile input and measures what it cost: the process's peak resident set
 * size (from process.resourceUsage at exit, via test/helpers/peak-rss-preload.mjs) and whether it
 * had to be killed at the time limit. Issue 17's bounds: no reader holds more than 1 GiB or runs
 * more than 60 s on a hostile input. The limit is a ceiling for inputs built to hang a reader, never
 * a timing assertion on a normal input.
 */
export interface BoundedRun {
  exitCode: number
  stdout: string
  stderr: string
  /** Peak RSS in bytes; undefined when the process was killed before it could say. */
  peakRssBytes: number | undefined
  /** The process was still running at the time limit and was killed. */
  timedOut: boolean
}

/** 1 GiB: the most a reader may hold on any hostile input. */
export const MEMORY_BOUND_BYTES = 2 ** 30
/** 60 s: the longest a reader may run on any hostile input. */
export const TIME_BOUND_MS = 60_000

export async function runBenchBounded(args: string[], options: {cwd?: string; env?: Record<string, string>; timeoutMs?: number} = {}): Promise<BoundedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dcbench-rss-'))
  const rssFile = join(dir, 'peak-rss')
  try {
    const result = await execa(process.execPath, ['--import', join(repoRoot, 'test/helpers/peak-rss-preload.mjs'), join(repoRoot, 'bin/run.js'), ...args], {
      reject: false,
      cwd: options.cwd,
      env: {...options.env, DCBENCH_TEST_PEAK_RSS_FILE: rssFile},
      timeout: options.timeoutMs ?? TIME_BOUND_MS,
      killSignal: 'SIGKILL',
    })
    let peakRssBytes: number | undefined
    try {
      peakRssBytes = Number(readFileSync(rssFile, 'utf8'))
    } catch {
      peakRssBytes = undefined
    }
    return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), peakRssBytes, timedOut: result.timedOut}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/** The `error [CODE]: …` lines of a failed run's stderr (progress lines and hints aside), joined: one line when all is well. */
export function errorLine(run: BoundedRun): string {
  return run.stderr.split('\n').filter((l) => l.startsWith('error ')).join('\n')
}

/**
 * Asserts issue 17's bounds on a run and its outcome: not killed at 60 s, under 1 GiB, the exit code,
 * and then `pattern` on stdout (exit 0) or on exactly one `error [DCB_…]` line.
 */
export function expectBoundedOutcome(run: BoundedRun, exitCode: number, pattern: RegExp): void {
  expect(run.timedOut, 'ran past 60 s').toBe(false)
  expect(run.peakRssBytes).toBeLessThan(MEMORY_BOUND_BYTES)
  expect(run.exitCode, run.stderr).toBe(exitCode)
  if (exitCode === 0) {
    expect(run.stdout).toMatch(pattern)
    return
  }
  expect(errorLine(run)).toMatch(/^error \[DCB_[A-Z_]+\]: [^\n]+$/)
  expect(errorLine(run)).toMatch(pattern)
}
