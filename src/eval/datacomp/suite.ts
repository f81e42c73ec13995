import {readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {parse as parseYaml} from 'yaml'
import {z} from 'zod'

import {choiceList, DcbError} from '../../errors.js'
import {sha256Hex} from '../../util/canonical-json.js'
import {packageRoot} from '../../util/paths.js'
import {describeZodError} from '../../util/zod-issue.js'

/** The four reported groups of DataComp's leaderboard, in display order (spec §4.4). */
export const DATACOMP_GROUPS = ['ImageNet', 'ImageNet dist. shifts', 'VTAB', 'Retrieval'] as const
export type DataCompGroup = (typeof DATACOMP_GROUPS)[number]

/** How a task is evaluated (spec §4.1). */
export const TaskType = z.enum([
  'zeroshot_classification',
  'retrieval',
  'winogavil',
  'wilds',
  'dollar_street',
  'geode',
  'fairness_multi_objective',
])
export type TaskType = z.infer<typeof TaskType>

const fileName = z.string().regex(/^[\w.-]+$/, 'a plain file name (letters, digits, . _ -)')

/** The hub repo files of an image–text retrieval set (Flickr, MSCOCO): a CSV and a zip of images. */
export const RetrievalHubFiles = z.strictObject({
  /** The CSV, one row per image, in the order the repo's loading script yields its examples. */
  table: fileName,
  images_zip: fileName,
  /** The folder inside the zip that holds the images. */
  images_folder: fileName,
  /** The column with the row's image file name. */
  image_column: z.string().min(1),
  /** The column with the row's captions as a JSON list of strings. */
  captions_column: z.string().min(1),
})
export type RetrievalHubFiles = z.infer<typeof RetrievalHubFiles>

/** The hub repo files of WinoGAViL: a CSV of items and a zip of candidate images. */
export const WinogavilHubFiles = z.strictObject({
  table: fileName,
  images_zip: fileName,
  images_folder: fileName,
  cue_column: z.string().min(1),
  /** JSON lists of candidate names, and of the names associated with the cue (the gold ones). */
  candidates_column: z.string().min(1),
  associations_column: z.string().min(1),
  /** A candidate's image file name under images_folder; `{}` is the candidate's name. */
  candidate_image: z.string().regex(/^[^/{}]*\{\}[^/{}]*$/, 'a file name with one {} for the candidate'),
})
export type WinogavilHubFiles = z.infer<typeof WinogavilHubFiles>

/** One task of an evaluation suite. */
export const SuiteTask = z.strictObject({
  /** tasklist key, e.g. `vtab/caltech101`; evaluate.py's task_key and the `key` of a results line. */
  key: z.string().min(1),
  /** Display name, the `dataset` of a results line; aggregation matches on it (spec §4.4). */
  name: z.string().min(1),
  type: TaskType,
  /** Hugging Face dataset repo holding the test data. */
  hf_repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  /** Number of test samples (retrieval: images; WinoGAViL: items). */
  size: z.number().int().positive(),
  /** Metric key copied into `metrics.main_metric`. */
  main_metric: z.string().min(1),
  /** Whether the task has a main metric (false only for FairFace/UTKFace). */
  scored: z.boolean(),
  num_classes: z.number().int().positive().optional(),
  /** From tasklist.yml; no rule uses it. */
  random_score: z.number().min(0).max(1).optional(),
  tags: z.array(z.string()),
  /** Leaderboard group (one of the suite's `groups`), or null when the task counts only in the Average. */
  group: z.string().nullable(),
  /** Seconds on the DataComp authors' hardware (tasklist.yml); no rule uses it. */
  time: z.number().nonnegative().optional(),
  /** Synthetic suites only: what the generated task asks about (src/eval/datacomp/tiny-suite.ts). */
  synthetic: z.strictObject({target: z.enum(['shape', 'colour', 'position', 'scene', 'captions'])}).optional(),
  /**
   * Retrieval and WinoGAViL tasks whose hub repo is not a webdataset (the nlphuji sets): the repo
   * files dcbench reads directly (src/eval/datacomp/hub-files.ts).
   */
  hub_files: z.union([RetrievalHubFiles, WinogavilHubFiles]).optional(),
})
export type SuiteTask = z.infer<typeof SuiteTask>

/** A suite file (`evaluators/<suite>/suite.yaml`). */
export const SuiteFile = z.strictObject({
  /** Suite id, as named by a recipe's `eval_suite`. */
  suite: z.string().min(1),
  /** dcbench's version of the suite (semver); recorded with every result. */
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  /** Where the task table comes from. */
  source: z.string(),
  /** Reported group names, in display order; every task's `group` is one of them or null. */
  groups: z.array(z.string()),
  tasks: z.array(SuiteTask).min(1),
  /**
   * Present when the suite's data is generated locally instead of downloaded (the tiny suite): the
   * generator, its seed, the side of the stored images and samples per tar shard.
   */
  synthetic: z
    .strictObject({
      generator: z.literal('tiny-image-world'),
      seed: z.number().int().nonnegative(),
      image_size: z.number().int().positive(),
      samples_per_shard: z.number().int().positive(),
    })
    .optional(),
})
export type SuiteFile = z.infer<typeof SuiteFile>

/** A loaded suite plus where it came from and a hash of its file. */
export interface Suite extends SuiteFile {
  file: string
  /** sha256 of the suite file's bytes. */
  sha256: string
}

/** The DataComp-format suites dcbench ships, by id (the `eval_suite` of a DataComp recipe). */
export const CLIP_SUITE_FILES: Readonly<Record<string, string>> = {
  'datacomp-38': 'evaluators/datacomp/suite.yaml',
  'tiny-clip': 'evaluators/tiny-clip/suite.yaml',
}

export function suiteIds(): string[] {
  return Object.keys(CLIP_SUITE_FILES)
}

/** Loads and validates a suite file; every problem names the file and the field. */
export function loadSuiteFile(file: string): Suite {
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new DcbError('DCB_SUITE_FILE', `${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  const parsed = SuiteFile.safeParse(parseYaml(text))
  if (!parsed.success) throw new DcbError('DCB_SUITE_FILE', `${shown}: ${describeZodError(parsed.error)}`)
  const suite = parsed.data
  const seen = new Set<string>()
  for (const [index, task] of suite.tasks.entries()) {
    for (const id of [`key ${task.key}`, `name ${task.name}`]) {
      if (seen.has(id)) throw new DcbError('DCB_SUITE_FILE', `${shown}: tasks.${index}: duplicate ${id}`)
      seen.add(id)
    }
    if (task.group !== null && !suite.groups.includes(task.group)) {
      throw new DcbError('DCB_SUITE_FILE', `${shown}: tasks.${index}.group: '${task.group}' is not one of groups (${suite.groups.join(', ')})`)
    }
    if (task.hub_files && !('captions_column' in task.hub_files ? task.type === 'retrieval' : task.type === 'winogavil')) {
      throw new DcbError('DCB_SUITE_FILE', `${shown}: tasks.${index}.hub_files: ${'captions_column' in task.hub_files ? 'retrieval' : 'winogavil'} columns on a ${task.type} task`)
    }
    if (Boolean(suite.synthetic) !== Boolean(task.synthetic)) {
      throw new DcbError('DCB_SUITE_FILE', `${shown}: tasks.${index}.synthetic: ${suite.synthetic ? 'missing; every task of a synthetic suite needs one' : 'only a suite with a top-level synthetic block can have synthetic tasks'}`)
    }
  }
  return {...suite, file, sha256: sha256Hex(text)}
}

/** A suite shipped in evaluators/ by id (`datacomp-38`, `tiny-clip`). */
export function loadSuite(id: string): Suite {
  const file = CLIP_SUITE_FILES[id]
  if (!file) throw new DcbError('DCB_UNKNOWN_CHOICE', `unknown eval suite '${id}'; valid: ${suiteIds().join(', ')}`)
  return loadSuiteFile(join(packageRoot(), file))
}

/** The tasks that count in the Average (main metric not null), in suite order. */
export function scoredTasks(suite: Pick<SuiteFile, 'tasks'>): SuiteTask[] {
  return suite.tasks.filter((task) => task.scored)
}

/**
 * A task of the suite named either way users meet it: by key (`cifar10`, `vtab/dtd`, what `--tasks`
 * and eval_results.jsonl's `key` use) or by display name (`CIFAR-10`, what the `dataset` column and
 * the aggregate tables show). Keys win, then exact display names, then either without regard to case.
 */
export function findTask(suite: Pick<SuiteFile, 'tasks'>, keyOrName: string): SuiteTask | undefined {
  const lower = keyOrName.toLowerCase()
  return (
    suite.tasks.find((task) => task.key === keyOrName) ??
    suite.tasks.find((task) => task.name === keyOrName) ??
    suite.tasks.find((task) => task.key.toLowerCase() === lower || task.name.toLowerCase() === lower)
  )
}

/** Selects tasks by key or display name (`--tasks cifar10,CIFAR-100`), refusing unknown ones with a did-you-mean. */
export function selectTasks(suite: Suite, keys: readonly string[] | undefined): SuiteTask[] {
  if (!keys || keys.length === 0) return suite.tasks
  const unknown = keys.filter((key) => findTask(suite, key) === undefined)
  if (unknown.length > 0) {
    const valid = suite.tasks.map((task) => task.key)
    throw new DcbError('DCB_UNKNOWN_CHOICE', `unknown task${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} in suite ${suite.suite}; ${choiceList(unknown[0]!, valid)}`, {
      suggestions: [`tasks are named by key or display name; bench eval fetch --benchmark datacomp --offline lists all ${valid.length}`],
    })
  }
  // Suite order, as evaluate.py runs tasklist order whatever the selection.
  const wanted = new Set(keys.map((key) => findTask(suite, key)!.key))
  return suite.tasks.filter((task) => wanted.has(task.key))
}
