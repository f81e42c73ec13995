import {homedir} from 'node:os'
import {join} from 'node:path'

/** Where eval datasets live by default: $DCBENCH_DATA, else ~/.cache/dcbench/eval. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DCBENCH_DATA ?? join(homedir(), '.cache', 'dcbench', 'eval')
}
