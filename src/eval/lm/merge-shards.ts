import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {EvalMergeOptions} from '../../benchmarks/benchmark.js'
import {DcbError} from '../../errors.js'
import {ensureDirInside} from '../../util/no-follow.js'
import {writeFileAtomic} from '../../util/atomic-write.js'

/**
 * The merge of `bench eval --shard i/N` outputs (src/eval/shards.ts) for the LM eval: each shard's
 * per-task cache files (`dclm-tasks/<label>.json`) are copied into OUT/dclm-tasks/, where the eval that
 * follows finds every task cached and writes the eval JSON from them as a local eval does. (Its
 * `uuid` and `creation_date` are new on every eval, local or merged, as in DCLM.)
 */
export async function mergeLmShards(options: EvalMergeOptions): Promise<void> {
  const copies: {to: string; text: string}[] = []
  for (const part of options.parts) {
    const absent = part.tasks.filter((label) => !existsSync(join(part.dir, 'dclm-tasks', `${label}.json`)))
    if (absent.length > 0) {
      throw new DcbError('DCB_EVAL_SHARD', `${part.label}: ${join(part.dir, 'dclm-tasks')} has no result for ${absent.length} of its task(s): ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ', …' : ''}`, {
        suggestions: [`run bench eval --shard ${part.label.replace(/^shard /, '')} with the same flags (it resumes), then merge again`],
      })
    }
    for (const label of part.tasks) copies.push({to: label, text: await readFile(join(part.dir, 'dclm-tasks', `${label}.json`), 'utf8')})
  }
  ensureDirInside(options.outDir, 'dclm-tasks')
  for (const copy of copies) await writeFileAtomic(join(options.outDir, 'dclm-tasks', `${copy.to}.json`), copy.text)
}
