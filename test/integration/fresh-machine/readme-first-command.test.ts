import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {repoRoot} from '../../helpers/cli.js'
import {readmeScores, sameScore, tableScores} from '../../helpers/readme-scores.js'

/**
 * Issue 18, Done-when line 1: the README's first command, run exactly as written (plus --fast) on a
 * fresh Debian bookworm machine — debootstrap minbase, the host's node and npm copied in, the host
 * network (the Debian mirror and the npm registry only), no python3, no torch, no Docker — runs the
 * tiny quickstart to its table, and the scores are the README's. test/fresh-machine/run.sh builds
 * (or reuses, keyed by all its inputs) the image and runs the container; this drives it for real.
 * It is the one test where `bench doctor --fix` installs packages with apt-get, inside the container.
 * Takes ~20 minutes on 2 cores (apt and npm downloads, four tiny trainings on the local executor).
 */

describe("the README's first command on a fresh Debian bookworm machine", () => {
  it('installs a trainer with bench doctor --fix, runs the tiny quickstart to its table, and the scores are the README table', async () => {
    const expected = readmeScores(readFileSync(join(repoRoot, 'README.md'), 'utf8'))
    expect([...expected.keys()].sort()).toEqual(['heuristic', 'none', 'oracle', 'random'])
    const run = await execa('bash', [join(repoRoot, 'test/fresh-machine/run.sh'), '--fast'], {cwd: repoRoot, reject: false, all: true, timeout: 2_700_000})
    const output = run.all ?? ''
    expect(run.exitCode, output.slice(-4000)).toBe(0)
    // the fix ran apt-get for real, and the doctor that follows it finds torch in Debian's python
    expect(output).toMatch(/^\$ env DEBIAN_FRONTEND=noninteractive apt-get install .*python3-torch/m)
    expect(output).toMatch(/^ok +python +\S*python3.* torch 1\.13/m)
    expect(output).toMatch(/executor: local/)
    const scores = tableScores(output)
    expect([...scores.keys()].sort()).toEqual(['datacomp/none', 'datacomp/oracle', 'dclm/none', 'dclm/oracle'])
    for (const filter of ['none', 'oracle']) {
      const [datacomp, dclm] = expected.get(filter)!
      const measured = {datacomp: scores.get(`datacomp/${filter}`)!, dclm: scores.get(`dclm/${filter}`)!}
      expect(sameScore(measured.datacomp, datacomp) && sameScore(measured.dclm, dclm), `${filter}: measured ${JSON.stringify(measured)}, README ${datacomp} / ${dclm}`).toBe(true)
    }
  }, 2_800_000)
})
