import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {planSynthPool, synthesizePool, type SynthPoolResult} from '../../pool/index.js'
import {formatBytes} from '../../ui/bytes.js'
import {confirmLargeJob, formatDuration} from '../../ui/confirm-large-job.js'
import {onInterrupt} from '../../ui/interrupt.js'
import {createProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class PoolSynth extends BenchCommand {
  static override summary = 'Generate a deterministic synthetic candidate pool in the real on-disk format.'
  static override description =
    'DataComp: webdataset tar shards ({key}.jpg/.txt/.json, 10,000 per shard, _stats.json) of shapes/colours/positions images with captions, plus a metadata parquet with the spec columns. DCLM: documents/*.jsonl.zst with url, text. Both mix a learnable clean part with known junk (mismatched or non-descriptive captions, near-duplicates, blank images; shuffled words, boilerplate, spam, false facts) and write the ground-truth label in a `quality` field that only an oracle filter may read. The pool size comes from the scale (DataComp pool_size; DCLM 2.5x the token budget in words). Same seed, same bytes.\n\nBefore it starts it states the pool size (records, bytes, time on one core: estimates); more than 10 GB or 30 minutes needs --yes (or a yes at the prompt on a terminal) — every scale above tiny is hours. Ctrl-C stops it and removes its partial folder (a pool is not resumable; the same command makes the same bytes again).'
  static override examples = [
    '<%= config.bin %> pool synth --benchmark datacomp --scale tiny --out pools/datacomp-tiny',
    '<%= config.bin %> pool synth --benchmark dclm --scale tiny --out pools/dclm-tiny --seed 1 --json',
    '<%= config.bin %> pool synth --benchmark datacomp --scale small --out pools/datacomp-small --yes',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    out: Flags.string({description: 'Folder to create (must not exist, or be empty).', required: true}),
    seed: Flags.integer({description: 'Seed: the same seed gives the same pool, byte for byte.', default: 0, min: 0}),
    yes: Flags.boolean({char: 'y', description: 'Start whatever the size (without it, more than 10 GB or 30 minutes estimated is refused unless confirmed at a terminal prompt).'}),
  }

  async run(): Promise<SynthPoolResult> {
    const {flags} = await this.parse(PoolSynth)
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder', expected: 'the pool folder to create'})
    const benchmark = getBenchmark(flags.benchmark)
    const plan = planSynthPool({benchmark: flags.benchmark, scale: flags.scale})
    const what = `pool synth of ${plan.benchmark} ${plan.scale}`
    if (!this.jsonEnabled()) {
      process.stderr.write(`${what}: ${plan.records} ${plan.unit}, ≈ ${formatBytes(plan.bytes)} in ≈ ${formatDuration(plan.seconds)} on one core (estimates) → ${flags.out}\n`)
    }
    await confirmLargeJob({what, bytes: plan.bytes, seconds: plan.seconds, yes: flags.yes, interactive: !this.jsonEnabled(), input: process.stdin, output: process.stderr})
    const progress = createProgressDisplay({label: 'synth', unit: benchmark.pool.synthesize?.unit, quiet: this.jsonEnabled()})
    // Ctrl-C (or a TERM) stops the generator, which removes its partial folder and says so; a second Ctrl-C exits at once
    const interrupt = onInterrupt()
    let result: SynthPoolResult
    try {
      result = await synthesizePool({benchmark: flags.benchmark, scale: flags.scale, out: flags.out, seed: flags.seed, onProgress: progress.update, signal: interrupt.signal})
    } finally {
      interrupt.dispose()
      progress.stop()
    }
    if (!this.jsonEnabled()) {
      const budget = typeof result.words === 'number' ? `, ${result.words} words for a ${String(result.token_budget)}-token budget` : ''
      this.log(`${result.benchmark} ${result.scale} pool (seed ${result.seed}): ${result.count} ${benchmark.nouns.records}${budget} in ${result.seconds.toFixed(1)} s → ${result.out}`)
      this.log(`  quality: ${Object.entries(result.qualities).map(([k, v]) => `${k} ${v}`).join(', ')} (junk ${(result.junk_fraction * 100).toFixed(1)}%)`)
    }
    return result
  }
}
