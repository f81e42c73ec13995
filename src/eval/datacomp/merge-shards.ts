import {existsSync} from 'node:fs'
import {mkdir, readFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import type {EvalMergeOptions} from '../../benchmarks/benchmark.js'
import {DcbError} from '../../errors.js'
import {writeFileAtomic} from '../../util/atomic-write.js'
import {predictionsFile, readPredictions} from './predictions.js'
import {EVAL_INFO_FILE, formatResultLine, readEvalInfo, readResultsFile, type DataCompResultRow, type EvalInfo} from './results-file.js'

/**
 * The merge of `bench eval --shard i/N` outputs (src/eval/shards.ts) for DataComp: every shard's
 * eval_results.jsonl rows go into OUT/eval_results.jsonl after the rows already there, in the order a
 * local eval appends them (the selection's order), each as evaluate.py writes it — so the file is
 * byte-identical to one a single local eval wrote. The shards must have evaluated the same model on
 * the same suite (their eval_info.json) as OUT, if OUT already holds results. Each shard's per-example
 * predictions (datacomp-tasks/, predictions.ts) of the tasks it ran are copied into OUT/datacomp-tasks/.
 */
export async function mergeDataCompShards(options: EvalMergeOptions): Promise<void> {
  let info: EvalInfo | undefined
  let infoFrom = ''
  const rows = new Map<string, DataCompResultRow>()
  const predictions: {key: string; text: string}[] = []
  for (const part of options.parts) {
    const infoFile = join(part.dir, EVAL_INFO_FILE)
    const resultsFile = join(part.dir, 'eval_results.jsonl')
    if (!existsSync(infoFile) || !existsSync(resultsFile)) {
      throw new DcbError('DCB_EVAL_SHARD', `${part.label}: ${part.dir} holds no ${existsSync(infoFile) ? 'eval_results.jsonl' : EVAL_INFO_FILE}; expected the outputs of its ${part.tasks.length} task(s)`, {
        suggestions: [`run bench eval --shard ${part.label.replace(/^shard /, '')} with the same flags, then merge again`],
      })
    }
    const partInfo = readEvalInfo(infoFile) as EvalInfo
    if (info && (partInfo.model_hash !== info.model_hash || partInfo.suite !== info.suite || partInfo.suite_version !== info.suite_version)) {
      throw new DcbError('DCB_EVAL_SHARD', `${part.label}: ${infoFile} is model ${partInfo.model_hash.slice(0, 12)} on ${partInfo.suite} ${partInfo.suite_version}, ${infoFrom} is model ${info.model_hash.slice(0, 12)} on ${info.suite} ${info.suite_version}: the shards evaluated different models or suites`)
    }
    info ??= partInfo
    infoFrom ||= infoFile
    const found = new Map((await readResultsFile(resultsFile)).map((row) => [row.key, row]))
    const absent = part.tasks.filter((key) => !found.has(key))
    if (absent.length > 0) {
      throw new DcbError('DCB_EVAL_SHARD', `${part.label}: ${resultsFile} has no result for ${absent.length} of its task(s): ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ', …' : ''}`, {
        suggestions: [`run bench eval --shard ${part.label.replace(/^shard /, '')} with the same flags (it resumes), then merge again`],
      })
    }
    for (const key of part.tasks) {
      rows.set(key, found.get(key) as DataCompResultRow)
      const file = predictionsFile(part.dir, key)
      // a shard evaluated by a dcbench without per-example predictions has none to copy
      if (!existsSync(file)) continue
      const data = readPredictions(file)
      if (data.model_hash !== partInfo.model_hash) throw new DcbError('DCB_EVAL_SHARD', `${part.label}: ${file} is model ${data.model_hash.slice(0, 12)}, the shard's eval_info.json model ${partInfo.model_hash.slice(0, 12)}`)
      predictions.push({key, text: await readFile(file, 'utf8')})
    }
  }
  if (!info) throw new DcbError('DCB_EVAL_SHARD', `${options.outDir}: no shards to merge`)
  const outInfoFile = join(options.outDir, EVAL_INFO_FILE)
  const outInfo = readEvalInfo(outInfoFile)
  if (outInfo && (outInfo.model_hash !== info.model_hash || outInfo.suite !== info.suite || outInfo.suite_version !== info.suite_version)) {
    throw new DcbError('DCB_EVAL_OUT', `${outInfoFile}: model ${outInfo.model_hash.slice(0, 12)} on ${outInfo.suite}, the shards' is model ${info.model_hash.slice(0, 12)} on ${info.suite}: the output folder belongs to another model or suite`, {
      suggestions: ['use another --out, or delete the folder to start over'],
    })
  }
  const outFile = join(options.outDir, 'eval_results.jsonl')
  const before = existsSync(outFile) ? await readFile(outFile, 'utf8') : ''
  const present = new Set(before === '' ? [] : (await readResultsFile(outFile)).map((row) => row.key))
  const added = options.tasks.filter((key) => !present.has(key) && rows.has(key)).map((key) => formatResultLine(rows.get(key) as DataCompResultRow))
  await writeFileAtomic(outInfoFile, `${JSON.stringify(info, null, 2)}\n`)
  for (const {key, text} of predictions) {
    const file = predictionsFile(options.outDir, key)
    await mkdir(dirname(file), {recursive: true})
    await writeFileAtomic(file, text)
  }
  await writeFileAtomic(outFile, before + added.join(''))
}
