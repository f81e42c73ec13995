import type {Config} from '@oclif/core'

import {closestGuess, type Guess} from '../util/did-you-mean.js'
import {errorReport, type ErrorReport} from './report-error.js'

/**
 * The report for a command (or help topic) that does not exist: the closest real command when the
 * name looks like a slip of the keyboard, else a pointer to `bench --help` — one line either way,
 * never the whole list of commands. oclif hands over every word before the first flag as the id
 * (`subset:valdate:x.npy`), so each leading run of words is tried and the closest wins.
 */
export function unknownCommand(id: string, config: Pick<Config, 'commands' | 'topics'>): ErrorReport {
  const words = id.split(/[: ]/).filter((w) => w !== '')
  const commands = config.commands.map((c) => c.id.replaceAll(':', ' ')).sort()
  // oclif lists every command as a topic too: a topic here is a name with commands under it.
  const topics = config.topics.filter((t) => commands.some((c) => c.startsWith(`${t.name.replaceAll(':', ' ')} `))).map((t) => t.name.replaceAll(':', ' ')).sort()
  let best: (Guess & {words: number}) | undefined
  for (let k = words.length; k >= 1; k--) {
    const typed = words.slice(0, k).join(' ')
    // A topic followed by more words was meant as one of its commands: only the whole id may name a topic.
    if (k < words.length && topics.includes(typed)) continue
    const guess = closestGuess(typed, k === words.length ? [...commands, ...topics] : commands)
    if (guess && (best === undefined || guess.distance < best.distance)) best = {...guess, words: k}
  }
  if (best?.distance === 0) {
    // `bench tracks list extra`: the command exists and the rest are arguments it does not take.
    const extra = words.slice(best.words).join(' ')
    return errorReport('DCB_USAGE', `unexpected argument${best.words < words.length - 1 ? 's' : ''} '${extra}' for \`bench ${best.match}\``, [`\`bench ${best.match} --help\` shows how to use it`])
  }
  if (best) {
    const typed = words.slice(0, best.words).join(' ')
    return errorReport('DCB_UNKNOWN_COMMAND', `unknown command '${typed}'; did you mean \`${best.match}\`?`, [`\`bench ${best.match} --help\` shows how to use it`])
  }
  // No guess: name the words up to the first one that is not a topic (`subset frob`, not `subset frob x.npy`).
  let known = 0
  while (known < words.length - 1 && topics.includes(words.slice(0, known + 1).join(' '))) known++
  return errorReport('DCB_UNKNOWN_COMMAND', `unknown command '${words.slice(0, known + 1).join(' ')}'`, ['`bench --help` lists every command'])
}
