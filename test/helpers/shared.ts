import {existsSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {repoRoot} from './cli.js'

/**
 * The project's shared/ folder (specs and real data files: shared/data/icl, tokenizers): $DCBENCH_SHARED,
 * else the first `shared/` beside the checkout or above it (CI clones main with shared/ beside it;
 * worktrees sit one level deeper). Tests that read real files fail, with this message, when it is absent.
 */
export function sharedDir(): string {
  const candidates = [process.env.DCBENCH_SHARED]
  for (let dir = resolve(repoRoot); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'shared'), join(dirname(dir), 'shared'))
    if (dirname(dir) === dir) break
  }
  for (const candidate of candidates) if (candidate && existsSync(join(candidate, 'spec', 'dclm.md'))) return candidate
  throw new Error('shared/ (spec + data) not found beside the checkout; set DCBENCH_SHARED to its path')
}
