import {createInterface} from 'node:readline/promises'

import {readSituation, runFix} from '../doctor/fix.js'
import {formatCommand, planFix, type FixPlan, type FixTarget} from '../doctor/fix-plan.js'
import {benchInvocation} from '../doctor/python-hint.js'
import {DcbError} from '../errors.js'

/** Both streams are terminals (and --json is off): a question can be asked. */
export function canAsk(json: boolean): boolean {
  return !json && Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
}

/** A yes/no question on the terminal (stderr, so stdout keeps only results); anything but y/yes is no. */
export async function askYesNo(question: string): Promise<boolean> {
  const prompt = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = (await prompt.question(`${question} [y/N] `)).trim().toLowerCase()
    return answer === 'y' || answer === 'yes'
  } finally {
    prompt.close()
  }
}

export interface FixOptions {
  target: FixTarget
  /** --yes: run without asking. */
  yes: boolean
  /** --json: never ask; the commands' output still goes to stderr. */
  json: boolean
}

/**
 * `bench doctor --fix` and quickstart's offer: plans the fix, prints what it will run (stderr),
 * asks on a terminal unless --yes (no terminal and no --yes: DCB_FIX_CONFIRM), then runs each
 * command after printing it. Returns the plan (commands empty: nothing was needed).
 */
export async function confirmAndFix(options: FixOptions): Promise<FixPlan> {
  const plan = planFix(await readSituation(options.target))
  const say = (line: string): void => {
    if (!options.json) process.stderr.write(`${line}\n`)
  }
  for (const note of plan.notes) say(`fix: ${note}`)
  if (plan.commands.length === 0) return plan
  say(`fix: ${plan.commands.length} command(s) to run:`)
  for (const argv of plan.commands) say(`  ${formatCommand(argv)}`)
  if (!options.yes) {
    if (!canAsk(options.json)) {
      throw new DcbError('DCB_FIX_CONFIRM', `bench doctor --fix would run ${plan.commands.length} command(s) as root and was not confirmed; nothing was run`, {
        suggestions: [`check the commands, then run: ${benchInvocation()} doctor --fix${options.target === 'auto' ? '' : ` --executor ${options.target}`} --yes`],
      })
    }
    if (!(await askYesNo('Run them now?'))) throw new DcbError('DCB_FIX_CONFIRM', 'not confirmed at the prompt; nothing was run')
  }
  await runFix({plan, output: 2, interactive: canAsk(options.json), onCommand: (line) => process.stderr.write(`$ ${line}\n`)})
  return plan
}
