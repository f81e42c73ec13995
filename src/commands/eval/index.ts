import {dirname, resolve} from 'node:path'
import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {unknownChoice} from '../../errors.js'
import {evaluateDataComp} from '../../eval/datacomp/evaluate.js'
import {suiteForScale} from '../../eval/datacomp/for-scale.js'
import {evaluateDclm} from '../../eval/lm/evaluate.js'
import {renderAggregates} from '../../ui/eval-report.js'
import {createProgressDisplay, type ProgressDisplay} from '../../ui/progress.js'
import {renderTable} from '../../ui/table.js'

export default class Eval extends BenchCommand {
  static override summary = "Evaluate a trained model on its benchmark's eval suite."
  static override description =
    "datacomp: runs the scale's suite (38 scored tasks of DataComp; the synthetic tiny suite at --scale tiny) on a CLIP model directory with onnxruntime-node, appending one line per finished task to OUT/eval_results.jsonl in DataComp's format — run it again to resume — then prints the aggregates (ImageNet, ImageNet dist. shifts, VTAB, Retrieval, Average).\n\n" +
    "dclm: runs the scale's LM suite (DCLM's 53 ICL tasks from --data, a copy of llm-foundry's local_data; at --scale tiny the synthetic dclm-tiny suite, generated on first use) on an LM model directory with onnxruntime-node, exactly as llm-foundry 0.9.0 prompts and scores them. Each finished task is cached in OUT/dclm-tasks/ (run again to resume); OUT/evaluation_<model>_<suite>.json is DCLM's eval JSON with CORE/EXTENDED v1+v2. Absent task files are reported and make CORE/EXTENDED 'N/A due to missing tasks'."
  static override examples = [
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model runs/m1/model --data ~/dcbench-eval',
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model runs/m1/model --tasks imagenet1k,vtab/cifar100 --out runs/m1/eval',
    '<%= config.bin %> eval --benchmark datacomp --scale tiny --model runs/tiny/model --json',
    '<%= config.bin %> eval --benchmark dclm --scale 1b-1x --model runs/lm1/model --data ~/llm-foundry/scripts/eval/local_data',
    '<%= config.bin %> eval --benchmark dclm --scale tiny --model runs/tiny-lm/model',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    model: Flags.string({description: 'Model directory (RUN/model) with model.json.', required: true}),
    data: Flags.string({
      description:
        'Folder of eval datasets (DataComp layout or Hugging Face cache layout). Default: $DCBENCH_DATA or ~/.cache/dcbench/eval. At --scale tiny the synthetic suite is generated there (tiny-clip-<version>/) on first use.',
    }),
    out: Flags.string({description: "Output folder for eval_results.jsonl. Default: the model directory's parent (the run directory), as evaluate.py."}),
    tasks: Flags.string({description: 'Comma-separated task keys to run (default: the whole suite).'}),
    'batch-size': Flags.integer({description: 'Images and texts per batch.', default: 64, min: 1}),
    device: Flags.string({description: 'Inference device: cpu, or cuda (onnxruntime CUDA execution provider).', options: ['cpu', 'cuda'], default: 'cpu'}),
    'decode-threads': Flags.integer({description: 'Image worker threads, which decode (and on CPU also encode) batches (default: up to 4, one per core).', min: 1}),
    'batch-tokens': Flags.integer({description: 'dclm: largest model batch in tokens (rows x padded length); default keeps logits under 256 MiB.', min: 1}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Eval)
    switch (flags.benchmark) {
      case 'datacomp':
        return this.datacomp(flags)
      case 'dclm':
        return this.dclm(flags)
      default:
        throw unknownChoice('benchmark', flags.benchmark, ['datacomp', 'dclm'])
    }
  }

  private async dclm(flags: {scale: string; model: string; data?: string; out?: string; tasks?: string; device: string; 'batch-tokens'?: number}): Promise<Record<string, unknown>> {
    const quiet = this.jsonEnabled()
    let display: ProgressDisplay | undefined
    const result = await evaluateDclm({
      scale: flags.scale,
      modelDir: resolve(flags.model),
      ...(flags.data === undefined ? {} : {dataDir: resolve(flags.data)}),
      outDir: resolve(flags.out ?? dirname(resolve(flags.model))),
      tasks: flags.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
      device: flags.device as 'cpu' | 'cuda',
      maxBatchTokens: flags['batch-tokens'],
      onProgress: (event) => {
        if (quiet) return
        if (event.kind === 'task-start') display = createProgressDisplay({label: `[${event.index + 1}/${event.count}] ${event.task}`, unit: 'examples'})
        else if (event.kind === 'rows') display?.update({done: event.done, total: event.total})
        else if (event.kind === 'task-done') display?.stop(`${event.task}: accuracy ${event.accuracy.toFixed(4)} (${event.seconds.toFixed(1)} s)`)
        else if (event.kind === 'task-cached') process.stderr.write(`${event.task}: cached (${event.accuracy.toFixed(4)})\n`)
        else process.stderr.write(`${event.task}: MISSING data file ${event.file}\n`)
      },
    })
    const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : String(v))
    if (!quiet) {
      this.log(renderTable(['task', 'accuracy', 'examples', ''], result.tasks.map((t) => [t.label, t.accuracy.toFixed(4), String(t.examples), t.cached ? 'cached' : ''])))
      this.log(renderTable(['aggregate', 'value'], ['Core_v2', 'Core_v1', 'Extended_v2', 'Extended_v1'].map((k) => [k, fmt(result.aggregates[k])])))
      if (result.missing.length > 0) this.log(`MISSING: ${result.missing.length} task(s) without data: ${result.missing.map((m) => m.label).join(', ')}`)
      this.log(`eval JSON: ${result.evalFile} · model ${result.modelHash.slice(0, 12)} · dcbench ${result.harnessVersion}`)
    }
    return {
      benchmark: 'dclm',
      scale: flags.scale,
      suite: result.suite,
      modelHash: result.modelHash,
      harnessVersion: result.harnessVersion,
      evalFile: result.evalFile,
      tasks: result.tasks,
      missing: result.missing,
      headline: result.headline,
      aggregates: result.aggregates,
    }
  }

  private async datacomp(flags: {scale: string; model: string; data?: string; out?: string; tasks?: string; 'batch-size': number; device: string; 'decode-threads'?: number}): Promise<Record<string, unknown>> {
    const suite = suiteForScale(flags.scale)
    const quiet = this.jsonEnabled()
    let display: ProgressDisplay | undefined
    const result = await evaluateDataComp({
      modelDir: resolve(flags.model),
      dataDir: flags.data === undefined ? undefined : resolve(flags.data),
      outDir: resolve(flags.out ?? dirname(resolve(flags.model))),
      suite,
      tasks: flags.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
      batchSize: flags['batch-size'],
      device: flags.device as 'cpu' | 'cuda',
      decodeThreads: flags['decode-threads'],
      onProgress: (event) => {
        if (quiet) return
        if (event.kind === 'generate') {
          if (event.done === 0 || !display) display = createProgressDisplay({label: `generating ${event.task}`, unit: 'images'})
          display.update({done: event.done, total: event.total})
          if (event.done === event.total) {
            display.stop(`${event.task}: generated ${event.total} images`)
            display = undefined
          }
        } else if (event.kind === 'task-start') display = createProgressDisplay({label: `[${event.index + 1}/${event.count}] ${event.task}`, unit: 'images'})
        else if (event.kind === 'images') display?.update({done: event.done, total: event.total})
        else if (event.kind === 'task-done') display?.stop(`${event.task}: main metric ${event.mainMetric === null ? 'none' : event.mainMetric.toFixed(4)} (${event.seconds.toFixed(1)} s)`)
        else process.stderr.write(`${event.task}: skipped, already in results\n`)
      },
    })
    if (!quiet) {
      this.log(renderTable(['task', 'dataset', 'main metric'], result.rows.map((r) => [r.key, r.dataset, typeof r.metrics.main_metric === 'number' ? r.metrics.main_metric.toFixed(4) : '—'])))
      this.log(renderAggregates(result.aggregation))
      this.log(`results: ${result.resultsFile} · model ${result.modelHash.slice(0, 12)} · dcbench ${result.harnessVersion}`)
    }
    return {
      benchmark: 'datacomp',
      scale: flags.scale,
      suite: result.suite,
      modelHash: result.modelHash,
      harnessVersion: result.harnessVersion,
      device: result.device,
      resultsFile: result.resultsFile,
      dataDir: result.dataDir,
      generated: result.generated,
      ran: result.ran,
      skipped: result.skipped,
      tasks: result.rows.map((r) => ({key: r.key, dataset: r.dataset, main_metric: r.metrics.main_metric ?? null})),
      aggregates: result.aggregates,
      headline: result.headline,
      partial: result.aggregation.partial,
      missing: result.aggregation.missing,
      inferred: result.inferred,
    }
  }
}
