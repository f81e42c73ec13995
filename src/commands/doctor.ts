import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {confirmAndFix} from '../cli/fix-prompt.js'
import {runChecks, type CheckResult} from '../doctor/checks.js'
import {formatCommand, type FixTarget} from '../doctor/fix-plan.js'
import {DcbError, ExitCode} from '../errors.js'
import {checkInputPath} from '../util/cli-path.js'

export default class Doctor extends BenchCommand {
  static override summary = 'Check this machine: Node, Docker engine, NVIDIA GPUs, host python3 + torch, free disk; --fix installs a trainer.'
  static override description =
    "One line per check: ok, missing (with how to fix it) or info; the python line names the interpreter bench uses ($DCBENCH_PYTHON, else python3 on PATH, else /usr/bin/python3 — the first with torch and numpy). Exits 1 when a required check is missing.\n\n--fix (Debian/Ubuntu, as root or through sudo) installs what the tiny trainers need when neither trainer works yet: Debian's python3-torch, python3-numpy, python3-pil, python3-regex and OpenBLAS for /usr/bin/python3 (the CPU image's packages), or with --executor docker the docker.io engine, started. It prints every command before running it and asks first on a terminal; without a terminal it needs --yes."
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --json',
    '<%= config.bin %> doctor --fix --yes',
    '<%= config.bin %> doctor --fix --executor docker',
  ]
  static override flags = {
    dir: Flags.string({description: 'Folder whose filesystem is checked for free disk.', default: '.'}),
    fix: Flags.boolean({description: 'Install what a trainer needs (apt-get, as root or through sudo), then check again.'}),
    executor: Flags.string({
      description: 'With --fix: which trainer to make work — local (host python3 + torch), docker (the engine), or auto (default: nothing when either works, else local).',
      options: ['auto', 'local', 'docker'],
      dependsOn: ['fix'],
    }),
    yes: Flags.boolean({description: 'With --fix: run the commands without asking.', dependsOn: ['fix']}),
  }

  async run(): Promise<{checks: CheckResult[]; ok: boolean; fix?: {executor: string; commands: string[]}}> {
    const {flags} = await this.parse(Doctor)
    checkInputPath(flags.dir, {flag: '--dir', kind: 'folder'})
    const asked = (flags.executor ?? 'auto') as FixTarget
    const fix = flags.fix ? await confirmAndFix({target: asked, yes: flags.yes ?? false, json: this.jsonEnabled()}) : undefined
    const checks = await runChecks({dir: flags.dir})
    const ok = checks.every((c) => c.status !== 'missing' || !c.required)
    if (!this.jsonEnabled()) {
      for (const c of checks) {
        this.log(`${c.status.padEnd(7)} ${c.name.padEnd(7)} ${c.detail}${c.fix && c.status !== 'ok' ? ` — fix: ${c.fix}` : ''}`)
      }
    }
    if (fix && fix.commands.length > 0) {
      const fixed = checks.find((c) => c.name === (fix.target === 'local' ? 'python' : 'docker'))
      if (fixed?.status !== 'ok') throw new DcbError('DCB_FIX_FAILED', `the fix ran but ${fixed?.name} is still missing: ${fixed?.detail}`, {suggestions: fixed?.fix ? [fixed.fix] : []})
    }
    if (!ok) process.exitCode = ExitCode.CheckFailed
    return {checks, ok, ...(fix ? {fix: {executor: fix.target, commands: fix.commands.map(formatCommand)}} : {})}
  }
}
