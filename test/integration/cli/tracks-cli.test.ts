import {describe, expect, it} from 'vitest'

import {runBench, runBenchJson} from '../../helpers/cli.js'

describe('bench tracks (the built CLI)', () => {
  it('show --json prints the spec names with numbers as JSON numbers', async () => {
    const {exitCode, json} = await runBenchJson(['tracks', 'show', '--benchmark', 'dclm', '--scale', '7b-1x'])
    expect(exitCode).toBe(0)
    expect(json.params).toBe(6_889_410_560)
    expect(json.tokens).toBe(137_788_211_200)
    expect(json).toMatchObject({global_batch_size: 2048, lr: 0.002, warmup: 5000, wd: 0.05, z_loss: 5e-6, cd: 3e-5})
    expect(json.recipe_hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('show --json for DataComp uses pool_size, samples_seen, model, batch_size, lr, warmup', async () => {
    const {json} = await runBenchJson(['tracks', 'show', '--benchmark', 'datacomp', '--scale', 'medium'])
    expect(json).toMatchObject({pool_size: 128_000_000, samples_seen: 128_000_000, model: 'ViT-B-32', batch_size: 4096, lr: 0.0005, warmup: 500, steps: 31_260})
  })

  it('list prints a table and --json every scale with its hash', async () => {
    const table = await runBench(['tracks', 'list'])
    expect(table.exitCode).toBe(0)
    expect(table.stdout).toMatch(/datacomp .*xlarge .*ViT-L-14/)
    expect(table.stdout).toMatch(/dclm .*1b-5x .*deprecated/)
    const {json} = await runBenchJson<{scales: {recipe_hash: string; scale: string}[]}>(['tracks', 'list'])
    expect(json.scales).toHaveLength(13)
  })

  it.each([
    [['tracks', 'show', '--benchmark', 'dclm', '--scale', '8b-1x'], /^error \[DCB_UNKNOWN_CHOICE\]: unknown dclm scale '8b-1x'; valid: 400m-1x, 1b-1x, 1b-5x, 3b-1x, 7b-1x, 7b-2x, tiny$/],
    [['tracks', 'show', '--benchmark', 'clip', '--scale', 'small'], /^error \[DCB_UNKNOWN_CHOICE\]: unknown benchmark 'clip'; valid: datacomp, dclm$/],
    [['tracks', 'show', '--benchmark', 'datacomp', '--scale', 'small', '--track', 'mixing'], /^error \[DCB_UNKNOWN_CHOICE\]: unknown datacomp track 'mixing'; valid: filtering, byod$/],
    [['tracks', 'show', '--benchmark', 'datacomp', '--scale', 'small', '--set', 'lr=1e-3'], /^error \[DCB_FROZEN_FIELD\]: lr is frozen/],
    // issue 17: an object-model key is refused like any unknown field, never silently dropped
    [['tracks', 'show', '--benchmark', 'datacomp', '--scale', 'small', '--set', '__proto__=1'], /^error \[DCB_UNKNOWN_OVERRIDE\]: unknown override '__proto__' for datacomp small/],
    [['tracks', 'show', '--benchmark', 'datacomp', '--scale', 'small', '--set', 'nodes=1', '--set', 'nodes=2'], /^error \[DCB_OVERRIDE_SYNTAX\]: override 'nodes' is given twice \('nodes=1', 'nodes=2'\)/],
    [['tracks', 'show', '--scale', 'small'], /^error \[DCB_USAGE\]: Missing required flag benchmark$/],
    [['tracks', 'show', '--benchmark', 'dclm', '--scale', 'tiny', '--nope'], /^error \[DCB_UNKNOWN_FLAG\]: unknown flag --nope for `bench tracks show`$/],
    [['trax'], /^error \[DCB_UNKNOWN_COMMAND\]: unknown command 'trax'; did you mean `train`\?$/],
  ])('bad usage %j exits 2 with one line', async (args, pattern) => {
    const result = await runBench(args)
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    const [first] = result.stderr.split('\n')
    expect(first).toMatch(pattern)
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/) // never a stack trace
  })

  it('errors under --json are JSON on stdout', async () => {
    const {exitCode, json} = await runBenchJson<{error: {code: string; exit_code: number}}>(['tracks', 'show', '--benchmark', 'dclm', '--scale', 'nope'])
    expect(exitCode).toBe(2)
    expect(json.error).toMatchObject({code: 'DCB_UNKNOWN_CHOICE', exit_code: 2})
  })

  it('every command answers --help with examples', async () => {
    for (const command of [['tracks', 'list'], ['tracks', 'show'], ['doctor']]) {
      const result = await runBench([...command, '--help'])
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toContain('EXAMPLES')
      expect(result.stdout).toContain('--json')
    }
  })
})
