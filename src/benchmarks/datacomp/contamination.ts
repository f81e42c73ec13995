import {basename, relative} from 'node:path'

import {decodeAhead, prepareImageCheck, type EvalImage, type ImageEvalTask} from '../../contamination/image-check.js'
import {fingerprint} from '../../contamination/image-hash.js'
import type {ContaminationContext, ContaminationRun, ContaminationSpec} from '../../contamination/spec.js'
import {prepareTextCheck, type TextCheck, type TextEvalTask} from '../../contamination/text-check.js'
import {DcbError} from '../../errors.js'
import {readEvalDataset, readWdsSamples, sampleImage, type WdsSample} from '../../eval/clip/webdataset.js'
import {ensureSyntheticData, loadSuite, selectTasks, type SuiteTask} from '../../eval/datacomp/index.js'
import {resolveTaskData} from '../../eval/datacomp/task-data.js'
import {readTrainingManifest} from '../../runner/training-data.js'
import {sha256Hex} from '../../util/canonical-json.js'
import {fileSha256} from '../../util/file-sha256.js'
import {iterateDataCompSamples, type DataCompSample} from './pool-shards.js'
import {DATACOMP_MANIFEST_FORMAT, type DataCompManifest} from './reshard.js'

/**
 * DataComp's contamination check: the images of every eval task (exact and near duplicates,
 * src/contamination/image-*.ts) and the captions of the retrieval tasks (n-gram overlap) against the
 * images and captions of a pool's samples, or of resharded training data. Eval data is read from
 * the folders `bench eval --data` reads (DataComp's download layout, the Hugging Face cache layout
 * `bench eval fetch` writes, or the generated tiny suite).
 */
export const dataCompContamination: ContaminationSpec = {
  methods: ['exact', 'near', 'caption'],
  settings: ['hamming', 'ngram', 'minWords', 'boilerplate'],
  run: runDataCompContamination,
}

/** Image members a sample may carry, in the order webdataset/open_clip prefer them. */
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp'] as const

async function runDataCompContamination(context: ContaminationContext): Promise<ContaminationRun> {
  const suite = loadSuite(context.suite)
  let tasks = selectTasks(suite, context.tasks)
  let root = context.dataDir
  if (suite.synthetic) {
    ;({dataRoot: root} = await ensureSyntheticData({suite, root, tasks, onProgress: (task, done, total) => context.onProgress?.({kind: 'eval', done, total, detail: `generating ${task}`})}))
  }
  const missing = tasks.filter((task) => !resolveTaskData(root, task))
  if (missing.length > 0 && !context.allowMissing) {
    throw new DcbError('DCB_EVAL_DATA_MISSING', `${root}: no data for ${missing.length} of ${tasks.length} task(s): ${missing.map((t) => `${t.key} (${t.hf_repo})`).join(', ')}`, {
      suggestions: [`bench eval fetch --benchmark datacomp --data ${root} --tasks ${missing.map((t) => t.key).join(',')} downloads them`, 'or check the others only: --tasks …, or --allow-missing'],
    })
  }
  tasks = tasks.filter((task) => !missing.includes(task))

  const imageTasks: ImageEvalTask[] = []
  const captionTasks: TextEvalTask[] = []
  for (const [i, task] of tasks.entries()) {
    const dir = resolveTaskData(root, task)!
    const layout = readEvalDataset(dir)
    const source = sha256Hex((await Promise.all(layout.shards.map(fileSha256))).join(','))
    imageTasks.push({key: task.key, source, images: () => evalImages(task, layout.shards, dir)})
    if (layout.type === 'retrieval') captionTasks.push({key: task.key, source, examples: await evalCaptions(layout.shards)})
    context.onProgress?.({kind: 'eval', done: i + 1, total: tasks.length, detail: `read ${task.key}`})
  }
  const images = await prepareImageCheck({
    tasks: imageTasks,
    settings: context.settings,
    cacheDir: context.cacheDir,
    sink: context.sink,
    onProgress: (done, detail) => context.onProgress?.({kind: 'eval', done, total: done, detail}),
  })
  const captions: TextCheck | undefined =
    captionTasks.length > 0 ? await prepareTextCheck({tasks: captionTasks, settings: context.settings, cacheDir: context.cacheDir, sink: context.sink, kind: 'captions', method: 'caption'}) : undefined
  const notes = [
    `eval index: ${images.index.images} images of ${tasks.length} task(s), ${images.index.hashes} crop hashes, ${(images.index.bytes / 2 ** 20).toFixed(1)} MiB${images.index.cached ? ' (from the cache)' : ''}`,
    ...(captions ? [`captions: ${captions.index.ngrams} distinct n-grams of ${captionTasks.reduce((n, t) => n + t.examples.length, 0)} retrieval captions`] : []),
  ]
  context.onProgress?.({kind: 'note', message: notes[0]!})

  let records = 0
  let flagged = 0
  let fingerprintOfData: string | undefined
  const total = context.source.kind === 'pool' ? context.source.total : undefined
  let samples: AsyncIterable<DataCompSample>
  if (context.source.kind === 'pool') {
    samples = keepSamples(iterateDataCompSamples(context.source.dir), context.source.keep)
  } else {
    const manifest = readTrainingManifest<DataCompManifest>({dataDir: context.source.dir, benchmark: 'datacomp', file: 'manifest.json', format: DATACOMP_MANIFEST_FORMAT})
    fingerprintOfData = manifest.subset.fingerprint
    samples = iterateDataCompSamples(context.source.dir)
  }
  const items = withImages(samples)
  await decodeAhead(items, 'DCB_POOL_INPUT', async (item, decoded) => {
    records++
    const id = item.sample.uid.toLowerCase().padStart(32, '0')
    let found = await images.check(id, item.where, fingerprint(decoded))
    const caption = item.sample.members.txt
    if (captions && caption) found += await captions.check(id, item.where, caption.toString('utf8'))
    if (found > 0) flagged++
    if (records % 200 === 0) context.onProgress?.({kind: 'records', done: records, total, flagged})
  })
  context.onProgress?.({kind: 'records', done: records, total, flagged})
  return {
    boilerplate: captions?.boilerplate ?? {},
    missingTasks: missing.map((t) => ({task: t.key, expected: `${root}/${basename(t.hf_repo)} (or the Hugging Face cache layout of ${t.hf_repo})`})),
    records,
    ...(fingerprintOfData ? {fingerprint: fingerprintOfData} : {}),
    notes,
  }
}

async function* keepSamples(samples: AsyncIterable<DataCompSample>, keep: ((id: string) => boolean) | undefined): AsyncGenerator<DataCompSample> {
  for await (const sample of samples) if (!keep || keep(sample.uid)) yield sample
}

/** Pool or training samples with their image member (a sample without one is an error naming it). */
async function* withImages(samples: AsyncIterable<DataCompSample>): AsyncGenerator<{sample: DataCompSample; where: string; bytes: Uint8Array}> {
  for await (const sample of samples) {
    const where = `${sample.shard}, sample ${basename(sample.key)}`
    const ext = IMAGE_EXTENSIONS.find((e) => sample.members[e])
    if (!ext) throw new DcbError('DCB_POOL_INPUT', `${where}: no image member (jpg, jpeg, png or webp)`)
    yield {sample, where, bytes: sample.members[ext]!}
  }
}

/** Every image of a task: one per sample, WinoGAViL's candidates `<key>.<i>.<ext>` each. */
async function* evalImages(task: SuiteTask, shards: readonly string[], dir: string): AsyncGenerator<EvalImage> {
  for await (const sample of readWdsSamples(shards)) {
    const where = `${relative(process.cwd(), sample.shard) || sample.shard}, sample ${sample.key}`
    if (task.type === 'winogavil') {
      const candidates = [...sample.members.keys()].filter((ext) => /^\d+\.(jpe?g|png|webp)$/.test(ext)).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
      if (candidates.length === 0) throw new DcbError('DCB_EVAL_DATA', `${dir}: WinoGAViL item ${sample.key} has no candidate images (<key>.<i>.<jpg|png|webp>)`)
      for (const ext of candidates) yield {key: `${sample.key}.${ext}`, where: `${where}.${ext}`, bytes: sample.members.get(ext)!}
    } else {
      yield {key: sample.key, where, bytes: sampleImage(sample)}
    }
  }
}

/** The captions of a retrieval set, in order (a sample's `.txt` holds one per line, as clip_benchmark reads them). */
async function evalCaptions(shards: readonly string[]): Promise<string[]> {
  const captions: string[] = []
  for await (const sample of readWdsSamples(shards)) captions.push(...captionLines(sample))
  return captions
}

function captionLines(sample: WdsSample): string[] {
  const text = sample.members.get('txt')?.toString('utf8')
  if (text === undefined) throw new DcbError('DCB_EVAL_DATA', `${sample.shard}: retrieval sample ${sample.key} has no txt member (captions, one per line)`)
  return text.split(/\r\n|\n|\r/).filter((line) => line.trim() !== '')
}
