import {describe, expect, it} from 'vitest'

import {runBench} from '../../helpers/cli.js'

/** Issue 18: did-you-mean for commands and flags, `-h`, `bench help X`, and --json errors before any command runs. */
describe('help and did-you-mean (the built CLI)', () => {
  it('a mistyped command is one DCB_UNKNOWN_COMMAND line naming the closest command, exit 2', async () => {
    const result = await runBench(['subset', 'valdate', 'x.npy'])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n')[0]).toBe("error [DCB_UNKNOWN_COMMAND]: unknown command 'subset valdate'; did you mean `subset validate`?")
    expect(result.stderr).not.toContain('tracks list')
  })

  it('words after a real command are unexpected arguments; a topic is never mistaken for a typo', async () => {
    const extra = await runBench(['tracks', 'list', 'extra'])
    expect([extra.exitCode, extra.stderr.split('\n')[0]]).toEqual([2, "error [DCB_USAGE]: unexpected argument 'extra' for `bench tracks list`"])
    const frob = await runBench(['subset', 'frob', 'x.npy'])
    expect([frob.exitCode, frob.stderr.split('\n')[0]]).toEqual([2, "error [DCB_UNKNOWN_COMMAND]: unknown command 'subset frob'"])
  })

  it('a command not close to any points at bench --help instead of listing every command', async () => {
    const result = await runBench(['frobnicate'])
    expect([result.exitCode, result.stderr.split('\n')[0]]).toEqual([2, "error [DCB_UNKNOWN_COMMAND]: unknown command 'frobnicate'"])
  })

  it('bench evl --json prints one JSON error document on stdout', async () => {
    const result = await runBench(['evl', '--json'])
    expect(result.exitCode).toBe(2)
    expect(JSON.parse(result.stdout)).toEqual({error: {code: 'DCB_UNKNOWN_COMMAND', message: "unknown command 'evl'; did you mean `eval`?", exit_code: 2, suggestions: ['`bench eval --help` shows how to use it']}})
    expect(result.stderr).toBe('')
  })

  it('a mistyped flag is one DCB_UNKNOWN_FLAG line with the closest flag, in text and JSON', async () => {
    const text = await runBench(['tracks', 'show', '--benchmrk', 'dclm', '--scale', 'tiny'])
    expect(text.exitCode).toBe(2)
    expect(text.stderr.split('\n')[0]).toBe('error [DCB_UNKNOWN_FLAG]: unknown flag --benchmrk for `bench tracks show`; did you mean --benchmark?')
    const json = await runBench(['tracks', 'show', '--benchmrk=dclm', '--json'])
    expect(json.exitCode).toBe(2)
    expect(JSON.parse(json.stdout).error).toMatchObject({code: 'DCB_UNKNOWN_FLAG', exit_code: 2})
  })

  it('-h, --help and bench help X all show the same help', async () => {
    const long = await runBench(['subset', 'validate', '--help'])
    const short = await runBench(['subset', 'validate', '-h'])
    const command = await runBench(['help', 'subset', 'validate'])
    expect([long.exitCode, short.exitCode, command.exitCode]).toEqual([0, 0, 0])
    expect(long.stdout).toContain('USAGE')
    expect(short.stdout).toBe(long.stdout)
    expect(command.stdout).toBe(long.stdout)
    const root = await runBench(['-h'])
    expect(root.exitCode).toBe(0)
    expect(root.stdout).toContain('COMMANDS')
    const topic = await runBench(['help', 'subset'])
    expect([topic.exitCode, topic.stdout.includes('subset validate')]).toEqual([0, true])
  })

  it('help for an unknown command is the same did-you-mean line', async () => {
    for (const args of [['help', 'subset', 'valdate'], ['subset', 'valdate', '--help'], ['subset', 'valdate', '-h']]) {
      const result = await runBench(args)
      expect(result.exitCode, args.join(' ')).toBe(2)
      expect(result.stderr.split('\n')[0], args.join(' ')).toBe("error [DCB_UNKNOWN_COMMAND]: unknown command 'subset valdate'; did you mean `subset validate`?")
    }
  })
})
