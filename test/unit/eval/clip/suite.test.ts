import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse as parseYaml} from 'yaml'
import {describe, expect, it} from 'vitest'

import {loadSuite, loadSuiteFile, scoredTasks, selectTasks} from '../../../../src/eval/datacomp/suite.js'
import {sha256Hex} from '../../../../src/util/canonical-json.js'
import {packageRoot} from '../../../../src/util/paths.js'
import {useTempDir} from '../../../helpers/tmp.js'

const dir = join(packageRoot(), 'evaluators/datacomp')

// Group lists transcribed from shared/spec/datacomp.md §4.4 (= aggregate_scores.py's DATASET_GROUPS).
const SPEC_GROUPS: Record<string, string[]> = {
  ImageNet: ['ImageNet 1k'],
  'ImageNet dist. shifts': ['ImageNet Sketch', 'ImageNet v2', 'ImageNet-A', 'ImageNet-O', 'ImageNet-R', 'ObjectNet'],
  VTAB: ['Caltech-101', 'CIFAR-100', 'CLEVR Counts', 'CLEVR Distance', 'Describable Textures', 'EuroSAT', 'KITTI Vehicle Distance', 'Oxford Flowers-102', 'Oxford-IIIT Pet', 'PatchCamelyon', 'RESISC45', 'SVHN', 'SUN397'],
  Retrieval: ['Flickr', 'MSCOCO', 'WinoGAViL'],
}

describe('evaluators/datacomp suite', () => {
  const suite = loadSuite('datacomp-38')
  const tasklist = parseYaml(readFileSync(join(dir, 'tasklist.yml'), 'utf8')) as Record<string, Record<string, unknown>>

  it('ships the verbatim upstream tasklist.yml (sha256 from shared/data/SOURCES.md)', () => {
    expect(sha256Hex(readFileSync(join(dir, 'tasklist.yml')))).toBe('4d82b5843558ddc647136ef7dfda39965e2b4448e84c91624ac6c528e5301345')
  })

  it('has every tasklist task, in tasklist order, with the same fields', () => {
    expect(suite.tasks.map((t) => t.key)).toEqual(Object.keys(tasklist))
    for (const task of suite.tasks) {
      const up = tasklist[task.key] as Record<string, unknown>
      expect(task.name).toBe(up.name)
      expect(task.size).toBe(up.size)
      expect(task.main_metric).toBe(up.main_metric ?? 'acc1') // evaluate.py's default
      expect(task.num_classes).toBe(up.num_classes)
      expect(task.random_score).toBe(up.random_score)
      expect(task.tags).toEqual(up.tags ?? [])
      expect(task.time).toBe(up.time)
    }
  })

  it('scores 38 tasks: all but FairFace and UTKFace', () => {
    expect(scoredTasks(suite)).toHaveLength(38)
    expect(suite.tasks.filter((t) => !t.scored).map((t) => t.name)).toEqual(['FairFace', 'UTKFace'])
  })

  it('groups tasks exactly as spec §4.4', () => {
    expect(suite.groups).toEqual(Object.keys(SPEC_GROUPS))
    for (const [group, names] of Object.entries(SPEC_GROUPS)) {
      expect(suite.tasks.filter((t) => t.group === group).map((t) => t.name).sort()).toEqual([...names].sort())
    }
  })

  it('names HF repos by the rule of spec §4.2', () => {
    for (const task of suite.tasks) {
      const expected = task.key.startsWith('retrieval/')
        ? `nlphuji/${task.key.slice('retrieval/'.length)}`
        : task.key === 'misc/winogavil'
          ? 'nlphuji/winogavil'
          : `djghosh/wds_${task.key.replace(/^fairness\//, '').replace('/', '-')}_test`
      expect(task.hf_repo, task.key).toBe(expected)
    }
    expect(suite.tasks.find((t) => t.key === 'fairness/geode')?.hf_repo).toBe('djghosh/wds_geode_test')
  })

  it('types tasks by how DataComp evaluates them (eval_utils/main.py branches)', () => {
    const type = (key: string) => suite.tasks.find((t) => t.key === key)?.type
    expect(type('imagenet1k')).toBe('zeroshot_classification')
    expect(type('retrieval/mscoco_2014_5k_test_image_text_retrieval')).toBe('retrieval')
    expect(type('misc/winogavil')).toBe('winogavil')
    expect(type('wilds/fmow')).toBe('wilds')
    expect(type('fairness/dollar_street')).toBe('dollar_street')
    expect(type('fairness/geode')).toBe('geode')
    expect(type('fairness/utkface')).toBe('fairness_multi_objective')
  })

  it('selects tasks in suite order and refuses unknown keys with the start of the valid list', () => {
    expect(selectTasks(suite, ['vtab/svhn', 'imagenet1k']).map((t) => t.key)).toEqual(['imagenet1k', 'vtab/svhn'])
    expect(() => selectTasks(suite, ['imagenet', 'cifar10'])).toThrow(/unknown task 'imagenet' in suite datacomp-38; (did you mean '[^']+'\? )?40 valid: vtab\/caltech101, cifar10/)
  })

  const tmp = useTempDir()
  it('refuses a malformed suite file naming the file and field', async () => {
    const {writeFileSync} = await import('node:fs')
    const file = join(tmp(), 'suite.yaml')
    writeFileSync(file, readFileSync(join(dir, 'suite.yaml'), 'utf8').replace('size: 6085', 'size: -1'))
    expect(() => loadSuiteFile(file)).toThrow(/suite\.yaml: tasks\.0\.size: /)
    writeFileSync(file, readFileSync(join(dir, 'suite.yaml'), 'utf8').replace('group: VTAB', 'group: Vtab'))
    expect(() => loadSuiteFile(file)).toThrow(/tasks\.0\.group: 'Vtab' is not one of groups/)
  })
})
