import {dirname, resolve} from 'node:path'
import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {DcbError, unknownChoice} from '../../errors.js'
import {evaluateDataComp} from '../../eval/datacomp/evaluate.js'
import {suiteForScale} from '../../eval/datacomp/for-scale.js'
import {renderAggregates} from '../../ui/eval-report.js'
import {createProgressDisplay, type ProgressDisplay} from '../../ui/progress.js'
import {renderTable} from '../../ui/table.js'

export default class Eval extends BenchCommand {
  static override summary = "Evaluate a trained model on its benchmark's eval suite."
  static override description =
    "datacomp: runs the scale's suite (38 scored tasks of DataComp; the synthetic tiny suite at --scale tiny) on a CLIP model directory with onnxruntime-node, appending one line per finished task to OUT/eval_results.jsonl in DataComp's format — run it again to resume — then prints the aggregates (ImageNet, ImageNet dist. shifts, VTAB, Retrieval, Average)."
  static override examples = [
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model runs/m1/model --data ~/dcbench-eval',
    '<%= config.bin %> eval --benchmark datacomp --scale medium --model runs/m1/model --tasks imagenet1k,vtab/cifar100 --out runs/m1/eval',
    '<%= config.bin %> eval --benchmark datacomp --scale tiny --model runs/tiny/model --json',
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
    'decode-threads': Flags.integer({description: 'Image decoding worker threads (default: cores - 1).', min: 1}),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(Eval)
    switch (flags.benchmark) {
      case 'datacomp':
        return this.datacomp(flags)
      case 'dclm':
        throw new DcbError('DCB_NOT_AVAILABLE', 'bench eval --benchmark dclm is not available in this build', {exitCode: 3})
      default:
        throw unknownChoice('benchmark', flags.benchmark, ['datacomp', 'dclm'])
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
