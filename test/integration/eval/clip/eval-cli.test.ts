import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readPredictions} from '../../../../src/eval/datacomp/predictions.js'
import {parseResultsJsonl} from '../../../../src/eval/datacomp/results-file.js'
import {runBench, runBenchJson, repoRoot} from '../../../helpers/cli.js'
import {makeClassificationSet, makeFixtureModel} from '../../../helpers/eval-fixtures.js'

describe('bench eval --benchmark datacomp', () => {
  let root = ''
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcbench-eval-cli-'))
    await makeFixtureModel(join(root, 'run', 'model'), 7)
    const data = join(root, 'data')
    await makeClassificationSet(join(data, 'wds_cifar10_test'), {n: 60, classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']})
    await makeClassificationSet(join(data, 'wds_vtab-pcam_test'), {n: 40, classes: ['lymph node', 'lymph node containing metastatic tumor tissue'], seed: 100})
    // FMoW: metadata (region, year, y); region 3 is left empty on purpose.
    await makeClassificationSet(join(data, 'wds_wilds-fmow_test'), {n: 50, classes: ['airport', 'barn', 'dam', 'farm', 'port', 'zoo'], metadata: (i) => [[0, 1, 2, 4][i % 4] as number, i % 3, i % 6], seed: 200})
    // Big enough that an interrupt lands while it runs.
    await makeClassificationSet(join(data, 'wds_vtab-dtd_test'), {n: 1500, classes: ['banded', 'blotchy', 'braided', 'bubbly', 'bumpy'], seed: 400})
    await makeClassificationSet(join(data, 'wds_geode_test'), {n: 30, classes: ['bag', 'hat', 'car', 'dog', 'lamp'], metadata: (i) => [i % 3, i % 7], seed: 300})
  })
  afterAll(() => {
    if (root) rmSync(root, {recursive: true, force: true})
  })

  const args = (tasks: string) => ['eval', '--benchmark', 'datacomp', '--scale', 'small', '--model', join(root, 'run', 'model'), '--data', join(root, 'data'), '--tasks', tasks, '--batch-size', '16']

  it('writes DataComp-format lines per task, reports aggregates, model hash and suite version', async () => {
    const {exitCode, json, stderr} = await runBenchJson<Record<string, any>>(args('cifar10,wilds/fmow,fairness/geode'))
    expect(exitCode, stderr).toBe(0)
    expect(json.suite).toMatchObject({id: 'datacomp-38', version: '1.0.0'})
    expect(json.model_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(json.partial).toBe(true)
    expect(json.ran).toEqual(['cifar10', 'wilds/fmow', 'fairness/geode'])
    expect(Object.keys(json.aggregates)).toEqual(['ImageNet', 'ImageNet dist. shifts', 'VTAB', 'Retrieval', 'Average'])
    const file = join(root, 'run', 'eval_results.jsonl')
    const text = readFileSync(file, 'utf8')
    const rows = parseResultsJsonl(text, file)
    expect(rows.map((r) => [r.key, r.dataset])).toEqual([['cifar10', 'CIFAR-10'], ['wilds/fmow', 'FMoW'], ['fairness/geode', 'GeoDE']])
    // Python json.dumps style: ", " and ": " separators, floats with a decimal point.
    expect(text.split('\n')[0]).toMatch(/^\{"key": "cifar10", "dataset": "CIFAR-10", "metrics": \{"acc1": [0-9.e-]+, "acc5": [0-9.e-]+, "mean_per_class_recall": [0-9.e-]+, "main_metric": [0-9.e-]+\}\}$/)
    const fmow = rows[1]?.metrics as Record<string, number>
    expect(fmow.main_metric).toBe(fmow.acc_worst_region)
    expect(fmow['count_region:3']).toBe(0)
    expect(fmow['acc_region:3']).toBeNaN()
    expect(text).toContain('"acc_region:3": NaN, "count_region:3": 0.0')
    expect(Object.keys(fmow)).toEqual(expect.arrayContaining(['acc_avg', 'acc_year:0', 'count_year:2', 'acc_worst_year', 'acc_region:4', 'acc_worst_region']))
    expect(rows[2]?.metrics.main_metric).toBe(rows[2]?.metrics.acc_wg)
    // per-example predictions beside the results, one file per task (predictions.ts)
    expect(json.predictions_dir).toBe(join(root, 'run', 'datacomp-tasks'))
    const cifar = readPredictions(join(root, 'run', 'datacomp-tasks', 'cifar10.json'))
    expect(cifar).toMatchObject({kind: 'classification', key: 'cifar10', examples: 60, model_hash: json.model_hash, result_line: text.split('\n')[0] + '\n'})
    if (cifar.kind !== 'classification') throw new Error('classification expected')
    expect(cifar.results.filter((r) => r.pred === r.label).length / 60).toBeCloseTo(rows[0]?.metrics.acc1 as number, 6)
    expect(readPredictions(join(root, 'run', 'datacomp-tasks', 'wilds', 'fmow.json')).examples).toBe(50)
  })

  it('recovers a task whose predictions file was written but whose results line was not', async () => {
    const out = join(root, 'recover')
    expect((await runBenchJson<Record<string, any>>([...args('cifar10'), '--out', out])).exitCode).toBe(0)
    const file = join(out, 'eval_results.jsonl')
    const line = readFileSync(file, 'utf8')
    writeFileSync(file, '')
    const {exitCode, json, stderr} = await runBenchJson<Record<string, any>>([...args('cifar10'), '--out', out])
    expect(exitCode, stderr).toBe(0)
    expect(json).toMatchObject({ran: [], recovered: ['cifar10'], skipped: ['cifar10']})
    expect(readFileSync(file, 'utf8')).toBe(line)
  })

  it('resumes: tasks already in eval_results.jsonl are skipped, new ones appended', async () => {
    const {exitCode, json} = await runBenchJson<Record<string, any>>(args('cifar10,vtab/pcam'))
    expect(exitCode).toBe(0)
    expect(json.ran).toEqual(['vtab/pcam'])
    expect(json.skipped).toEqual(['cifar10'])
    const rows = parseResultsJsonl(readFileSync(join(root, 'run', 'eval_results.jsonl'), 'utf8'), 'x')
    expect(rows.map((r) => r.key)).toEqual(['cifar10', 'wilds/fmow', 'fairness/geode', 'vtab/pcam'])
    // PatchCamelyon has 2 classes: acc5 is null, as upstream.
    expect(rows[3]?.metrics.acc5).toBeNull()
  })

  it('after an interrupted run, the next run keeps finished tasks and redoes only the rest', async () => {
    const out = join(root, 'interrupted')
    const tasks = 'cifar10,vtab/dtd,wilds/fmow'
    const child = execa(process.execPath, [join(repoRoot, 'bin/run.js'), ...args(tasks), '--out', out], {reject: false})
    // Wait for the first finished task, then interrupt.
    const file = join(out, 'eval_results.jsonl')
    for (let i = 0; i < 600 && !(existsSync(file) && readFileSync(file, 'utf8').includes('\n')); i++) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    await child
    const before = parseResultsJsonl(readFileSync(file, 'utf8'), file).map((r) => r.key)
    // Killed while the 1,500-image task ran: only the first task is there, nothing half-written.
    expect(before).toEqual(['cifar10'])
    const {exitCode, json} = await runBenchJson<Record<string, any>>([...args(tasks), '--out', out])
    expect(exitCode).toBe(0)
    expect(json.skipped).toEqual(['cifar10'])
    expect(json.ran).toEqual(['vtab/dtd', 'wilds/fmow'])
    expect(parseResultsJsonl(readFileSync(file, 'utf8'), file).map((r) => r.key)).toEqual(['cifar10', 'vtab/dtd', 'wilds/fmow'])
  })

  it('names every task whose data is missing (exit 2) and refuses another model in the same output folder', async () => {
    const missing = await runBench(args('cifar10,imagenet1k,misc/winogavil'))
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/no data for 2 task\(s\): imagenet1k \(djghosh\/wds_imagenet1k_test\), misc\/winogavil \(nlphuji\/winogavil\)/)
    await makeFixtureModel(join(root, 'other', 'model'), 8)
    const other = await runBench(['eval', '--benchmark', 'datacomp', '--scale', 'small', '--model', join(root, 'other', 'model'), '--data', join(root, 'data'), '--tasks', 'cifar10', '--out', join(root, 'run')])
    expect(other.exitCode).toBe(2)
    expect(other.stderr).toMatch(/eval_info\.json: model_hash is [0-9a-f]+, this evaluation's is [0-9a-f]+: the output folder belongs to another model/)
  })

  it('refuses a folder that is not a model directory in one line', async () => {
    const r = await runBench(['eval', '--benchmark', 'datacomp', '--scale', 'small', '--model', join(root, 'data'), '--data', join(root, 'data'), '--tasks', 'cifar10'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/^error \[DCB_MODEL_DIR\]: .*model\.json: not found/)
  })
})
