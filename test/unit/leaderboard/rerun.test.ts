import {beforeEach, describe, expect, it} from 'vitest'

import {addEntry, readBoard, type UnsignedEntry} from '../../../src/leaderboard/index.js'
import {boardWithSigners, hex, signWith, testSuites, unsignedEntry, writeEntry, type SignerFixture} from '../../helpers/leaderboard.js'
import {useTempDir} from '../../helpers/tmp.js'

/**
 * Organizer re-runs (issue 17): compared task by task, not only on the headline; `--tolerance` may
 * tighten the bounds and loosen them at most 2×; one re-run verifies one entry.
 */

const tempDir = useTempDir('dcbench-rerun-')

let dir: string
let alice: SignerFixture
let organizer: SignerFixture
let board: string

beforeEach(async () => {
  ;({dir, board, alice, organizer} = await boardWithSigners(tempDir()))
})

/** The organizers' own run of the same subset, with its task scores changed by `change`. */
function rerunOf(entry: UnsignedEntry, change: (tasks: Record<string, number>) => void): UnsignedEntry {
  const rerun = structuredClone(entry)
  rerun.run!.manifest_sha256 = hex('organizer run')
  rerun.eval.results_sha256 = hex('organizer eval')
  change(rerun.eval.tasks)
  rerun.eval.aggregates = testSuites(rerun.eval.suite)!.aggregate(rerun.eval.tasks)
  return rerun
}

describe('an organizer re-run', () => {
  it('is compared task by task: an equal headline does not hide a task that moved', async () => {
    const base = unsignedEntry()
    const entryFile = writeEntry(dir, 'e.json', await signWith(alice, base))
    const keys = Object.keys(base.eval.tasks)
    const first = keys.find((k) => (base.eval.tasks[k] as number) < 0.6) as string
    const second = keys.find((k) => k !== first && (base.eval.tasks[k] as number) > 0.4) as string
    // +0.3 on one task and -0.3 on another: the 38-task Average does not move.
    const swapped = rerunOf(base, (tasks) => {
      tasks[first] = (tasks[first] as number) + 0.3
      tasks[second] = (tasks[second] as number) - 0.3
    })
    expect(swapped.eval.aggregates.Average).toBeCloseTo(base.eval.aggregates.Average as number, 12)
    const rerunFile = writeEntry(dir, 'swapped.json', await signWith(organizer, swapped))
    await expect(addEntry({entryFile, rerunFile, boardDir: board, suites: testSuites})).rejects.toMatchObject({
      code: 'DCB_RERUN_REJECTED',
      message: expect.stringMatching(new RegExp(`(${first}|${second}): submitted [0-9.]+, re-run [0-9.]+; \\|difference\\| 0\\.(3000|2999)\\d* > tolerance .*\\(\\+1 more\\)`)),
    })
  })

  it('takes a tolerance that tightens the bounds or loosens them at most 2×', async () => {
    const base = unsignedEntry()
    const entryFile = writeEntry(dir, 'e.json', await signWith(alice, base))
    const near = writeEntry(dir, 'near.json', await signWith(organizer, rerunOf(base, () => {})))
    await expect(addEntry({entryFile, rerunFile: near, boardDir: board, suites: testSuites, tolerance: 3})).rejects.toMatchObject({
      code: 'DCB_USAGE',
      message: expect.stringMatching(/--tolerance 3: .*at most 2/),
    })
    const added = await addEntry({entryFile, rerunFile: near, boardDir: board, suites: testSuites, tolerance: 0.5})
    expect(added.status).toBe('verified')
    expect((await readBoard(board))[0]!.rerun).toMatchObject({tolerance: 0.5})
  })

  it('verifies exactly one entry', async () => {
    const base = unsignedEntry()
    const again = structuredClone(base)
    again.run!.manifest_sha256 = hex('a second run of the same subset')
    const first = writeEntry(dir, 'first.json', await signWith(alice, base))
    const second = writeEntry(dir, 'second.json', await signWith(alice, again))
    const rerunFile = writeEntry(dir, 'rerun.json', await signWith(organizer, rerunOf(base, () => {})))
    await addEntry({entryFile: first, rerunFile, boardDir: board, suites: testSuites})
    await expect(addEntry({entryFile: second, rerunFile, boardDir: board, suites: testSuites})).rejects.toMatchObject({
      code: 'DCB_RERUN_REJECTED',
      message: expect.stringMatching(/already verified entry [0-9a-f]{12}…/),
    })
  })
})
