import {Flags} from '@oclif/core'

import {BenchCommand} from '../cli/base-command.js'
import {runChecks, type CheckResult} from '../doctor/checks.js'
import {ExitCode} from '../errors.js'
import {checkInputPath} from '../util/cli-path.js'

export default class Doctor extends BenchCommand {
  static override summary = 'Check this machine: Node, Docker engine, NVIDIA GPUs, host python3 + torch, free disk.'
  static override description = 'One line per check: ok, missing (with how to fix it) or info. Exits 1 when a required check is missing.'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']
  static override flags = {
    dir: Flags.string({description: 'Folder whose filesystem is checked for free disk.', default: '.'}),
  }

  async run(): Promise<{checks: CheckResult[]; ok: boolean}> {
    const {flags} = await this.parse(Doctor)
    checkInputPath(flags.dir, {flag: '--dir', kind: 'folder'})
    const checks = await runChecks({dir: flags.dir})
    const ok = checks.every((c) => c.status !== 'missing' || !c.required)
    if (!this.jsonEnabled()) {
      for (const c of checks) {
        this.log(`${c.status.padEnd(7)} ${c.name.padEnd(7)} ${c.detail}${c.fix && c.status !== 'ok' ? ` — fix: ${c.fix}` : ''}`)
      }
    }
    if (!ok) process.exitCode = ExitCode.CheckFailed
    return {checks, ok}
  }
}
