import {mkdir} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, scaleFlag} from '../../cli/flags.js'
import {getBenchmark} from '../../benchmarks/registry.js'
import {DcbError} from '../../errors.js'
import {parseShardRange} from '../../pool/download/download-images.js'
import {slurmFlags, slurmSettingsFromFlags} from '../../cli/slurm-flags.js'
import {processShardRunner, progressToParent} from '../../runner/pool-download-processes.js'
import {slurmShardRunner, type PoolDownloadSlurmPlan} from '../../runner/slurm/pool-download-array.js'
import {getRecipe} from '../../tracks/registry.js'
import {downloadInteraction, hubOfflineFromEnv} from '../../ui/download-interaction.js'
import {onInterrupt} from '../../ui/interrupt.js'
import {parseShard} from '../../util/shards.js'

export default class PoolDownload extends BenchCommand {
  static override summary = "Download a scale's official candidate pool: metadata, features, and the images from their URLs."
  static override description =
    'Before downloading it prints the sizes (the images as an estimate) and the free disk; more than 10 GB needs --yes (or a yes at the prompt on a terminal).\n\n' +
    "datacomp: the scale's metadata parquet files (with --npz also the CLIP feature .npz files) from the hub's mlfoundations/datacomp_<scale> into OUT/metadata, through the hub cache (resume, size and sha256 checks), then the images from their URLs into OUT/shards as img2dataset 1.40 writes them with DataComp's parameters: 512 px longest side (shrunk only if bigger, INTER_AREA), JPEG quality 95, face boxes blurred, 10,000 samples per shard, 2 retries, X-Robots-Tag noai/noimageai/noindex/noimageindex honoured, {key}.jpg/.json/.txt members and {shard}_stats.json. A shard whose stats file exists is done: run the same command again to resume. --shards a-b downloads a range of shards only, --shard i/N every N-th shard of it (a unit of work for one cluster task); every run writes OUT/download_summary.json from all the stats files there. --processes N downloads the image shards in N processes on this machine (one process runs its JavaScript and pixel kernels on one thread, which caps it at about three cores; --threads and --per-host count per process). --executor slurm downloads the metadata here, then the image shards as a SLURM job array (one task per --tasks share, each running this command with --shard i/N on a node; the nodes need Node.js >= 20 and this checkout at the same paths, docs/slurm.md), then sums up their stats; --dry-run --json prints the array's sbatch script from the metadata already in OUT. docs/pools.md says what each scale costs and why copies differ.\n\n" +
    "dclm: the scale's DCLM-Pool files — the list DCLM ships in its repository (recorded with its commit in evaluators/dclm/pools.yaml; --list FILE for your own) — from S3 with your credentials (the AWS SDK's chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE…; --s3-endpoint or $AWS_ENDPOINT_URL_S3 for an S3-compatible store) into OUT/documents/ (one flat folder, each file named by its key from crawl=… on with / as __). Every file is sized first (--list-only prints them and stops), resumes where it stopped, and is checked against its size and, for single-part uploads, the ETag's MD5.\n\n" +
    'The hub is $HF_ENDPOINT (default https://huggingface.co); $HF_TOKEN is sent when set. --offline (or HF_HUB_OFFLINE=1) uses the metadata already in OUT.'
  static override examples = [
    '<%= config.bin %> pool download --benchmark datacomp --scale small --out pools/datacomp-small --metadata-only',
    '<%= config.bin %> pool download --benchmark datacomp --scale small --out pools/datacomp-small --yes',
    '<%= config.bin %> pool download --benchmark datacomp --scale medium --out pools/medium --shards 0-99 --yes --json',
    '<%= config.bin %> pool download --benchmark datacomp --scale small --out pools/datacomp-small --processes 16 --yes',
    '<%= config.bin %> pool download --benchmark datacomp --scale medium --out /shared/pools/medium --executor slurm --tasks 64 --partition cpu --yes',
    '<%= config.bin %> pool download --benchmark dclm --scale 400m-1x --out pools/dclm-400m --list-only',
    '<%= config.bin %> pool download --benchmark dclm --scale 400m-1x --out pools/dclm-400m --yes',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    out: Flags.string({description: 'Pool folder (created if missing; an existing one is resumed).', required: true}),
    'metadata-only': Flags.boolean({description: 'Only the metadata files: no images.'}),
    npz: Flags.boolean({description: 'Also the CLIP feature files (.npz; 75 GB at small).'}),
    'skip-images': Flags.boolean({description: 'Same as --metadata-only (with --npz: metadata and features).'}),
    'skip-metadata': Flags.boolean({description: 'Do not ask the hub: use the metadata already in OUT/metadata.'}),
    shards: Flags.string({description: 'Only these image shards: an id or an inclusive range a-b (ids count from 0 over the metadata files in name order).', helpValue: 'A-B'}),
    shard: Flags.string({description: "Only shard i of N of those image shards (i/N; the range's k-th shard goes to shard k mod N + 1): one cluster task's share.", helpGroup: 'SHARDS'}),
    processes: Flags.integer({description: 'Image download processes on this machine, each downloading its share of the shards (as --shard i/N does); one process uses at most about three cores. --threads and --per-host count per process.', default: 1, min: 1, max: 256}),
    executor: Flags.string({description: 'local (this process) or slurm (the image shards as a job array, then the summary here; docs/slurm.md).', options: ['local', 'slurm'], default: 'local'}),
    tasks: Flags.integer({description: '--executor slurm: array tasks; default one per image shard, at most 100.', min: 1, helpGroup: 'SLURM'}),
    'cpus-per-task': Flags.integer({description: '--executor slurm: CPUs of each array task (default 2).', min: 1, max: 1024, helpGroup: 'SLURM'}),
    'dry-run': Flags.boolean({description: "--executor slurm: print the array's shards and sbatch script (from the metadata already in OUT); download and submit nothing.", default: false}),
    'skip-bbox-blurring': Flags.boolean({description: 'Do not blur face boxes (download_upstream.py --skip_bbox_blurring); the result is not the official pool.'}),
    threads: Flags.integer({description: 'Image downloads in flight.', default: 64, min: 1, max: 1024}),
    timeout: Flags.integer({description: "Seconds without progress before one try of an image fails (img2dataset's timeout).", default: 10, min: 1, max: 600}),
    'per-host': Flags.integer({description: 'Image downloads in flight to one host (politeness).', default: 8, min: 1, max: 1024}),
    cache: Flags.string({description: 'Hub cache folder. Default: OUT/.hf-cache.'}),
    revision: Flags.string({description: 'Hub revision (branch, tag or commit) of the pool repo.', default: 'main'}),
    offline: Flags.boolean({description: 'No hub requests: use the metadata already in OUT. Default: on when HF_HUB_OFFLINE=1.'}),
    'list-only': Flags.boolean({description: 'dclm: print the files of the pool list with their sizes and the total; download nothing.'}),
    list: Flags.string({description: "dclm: your own list of the pool's files (s3://bucket/key lines) instead of DCLM's."}),
    'prefix-from': Flags.string({description: "dclm: a URL prefix of the list's files to replace (with --prefix-to), for a moved pool or a copy in another bucket.", dependsOn: ['prefix-to']}),
    'prefix-to': Flags.string({description: 'dclm: what --prefix-from becomes.', dependsOn: ['prefix-from']}),
    's3-endpoint': Flags.string({description: 'dclm: an S3-compatible endpoint URL. Default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS.'}),
    yes: Flags.boolean({char: 'y', description: 'Download whatever the size (without it, more than 10 GB is refused unless confirmed at a terminal prompt).'}),
    ...slurmFlags,
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(PoolDownload)
    const benchmark = getBenchmark(flags.benchmark)
    if (!benchmark.pool.download) throw new DcbError('DCB_NOT_AVAILABLE', `bench pool download --benchmark ${benchmark.id} is not available in this build`)
    const scale = getRecipe({benchmark: benchmark.id, scale: flags.scale})
    const shards = flags.shards === undefined ? undefined : parseShardRange(flags.shards)
    const part = flags.shard === undefined ? undefined : parseShard(flags.shard)
    const slurm = flags.executor === 'slurm'
    if (slurm && part) throw new DcbError('DCB_USAGE', '--shard is what each task of an --executor slurm download runs; give one of them')
    const processes = flags.processes
    if (processes > 1 && (slurm || part)) throw new DcbError('DCB_USAGE', `--processes splits the download over local processes; ${slurm ? '--executor slurm splits it over array tasks' : '--shard is what each of them runs'}: give one of them`)
    const slurmOnly = (['dry-run', 'tasks', 'cpus-per-task'] as const).find((flag) => flags[flag] !== undefined && flags[flag] !== false)
    if (!slurm && slurmOnly) throw new DcbError('DCB_USAGE', `--${slurmOnly} describes an --executor slurm download; add --executor slurm`)
    const settings = slurm ? slurmSettingsFromFlags(flags) : undefined
    const out = resolve(flags.out)
    const dryRun = flags['dry-run']
    if (!dryRun) await mkdir(out, {recursive: true})
    const quiet = this.jsonEnabled()
    const offline = flags.offline || flags['skip-metadata'] || hubOfflineFromEnv() || dryRun
    const metadataOnly = flags['metadata-only'] || flags['skip-images']
    if (processes > 1 && metadataOnly) throw new DcbError('DCB_USAGE', '--processes runs the image download in several processes; with --metadata-only there is nothing to run there')
    if (slurm && metadataOnly) throw new DcbError('DCB_USAGE', '--executor slurm runs the image download as a job array; with --metadata-only there is nothing to run there')
    const ui = downloadInteraction({yes: flags.yes, quiet, unitOf: (task) => (task === 'images' ? 'samples' : task === 'sizes' ? 'files' : task === 'slurm array' ? 'tasks' : 'bytes')})
    let plan: PoolDownloadSlurmPlan | undefined
    let processesRun: number | undefined
    let jobId: string | undefined
    const interrupt = settings ? onInterrupt(() => {}) : undefined
    const shardRunner = settings
      ? slurmShardRunner({
          out,
          settings,
          tasks: flags.tasks,
          cpusPerTask: flags['cpus-per-task'],
          dryRun,
          signal: interrupt?.signal,
          taskArgs: this.taskArgs(benchmark.id, scale.scale, out, flags),
          onPlan: (p) => (plan = p),
          onArray: (e) => {
            jobId = e.jobId ?? jobId
            ui.onProgress({task: 'slurm array', done: e.done, total: e.total, detail: e.jobId ? `job ${e.jobId}, ${e.running} running` : undefined})
          },
        })
      : processes > 1
        ? processShardRunner({processes, taskArgs: this.taskArgs(benchmark.id, scale.scale, out, flags), onPlan: (n) => (processesRun = n), onProgress: ui.onProgress})
        : undefined
    let outcome
    try {
      outcome = await benchmark.pool.download.run({
        scale,
        out,
        cacheDir: flags.cache === undefined ? undefined : resolve(flags.cache),
        hubUrl: process.env.HF_ENDPOINT || undefined,
        accessToken: process.env.HF_TOKEN || undefined,
        revision: flags.revision,
        offline,
        metadata: true,
        npz: flags.npz,
        images: !metadataOnly,
        shards,
        part,
        shardRunner,
        shardRunnerFlag: settings ? '--executor slurm' : `--processes ${processes}`,
        blur: !flags['skip-bbox-blurring'],
        threads: flags.threads,
        perHost: flags['per-host'],
        timeoutSeconds: flags.timeout,
        listOnly: flags['list-only'],
        listFile: flags.list === undefined ? undefined : resolve(flags.list),
        rewrite: flags['prefix-from'] !== undefined && flags['prefix-to'] !== undefined ? {from: flags['prefix-from'], to: flags['prefix-to']} : undefined,
        s3Endpoint: flags['s3-endpoint'] ?? (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined),
        confirm: dryRun ? undefined : ui.confirm,
        onProgress: progressToParent(ui.onProgress),
      })
    } finally {
      interrupt?.dispose()
      ui.stop()
    }
    const slurmJson = plan ? {executor: 'slurm', dry_run: dryRun, slurm_job_id: jobId ?? null, tasks: plan.tasks, script_file: plan.script_file, sbatch_script: plan.sbatch_script} : {}
    if (!quiet) {
      if (plan && dryRun) this.log(`image shards ${plan.shards.first}-${plan.shards.last} (${plan.shards.todo} not done) over ${plan.tasks} array task(s)\n${plan.script_file}:\n${plan.sbatch_script}`)
      else this.log(outcome.text)
      if (plan && !dryRun) this.log(jobId ? `slurm: array job ${jobId}, ${plan.tasks} task(s); script and logs in ${dirname(plan.script_file)}` : 'slurm: every shard was done already; nothing submitted')
    }
    return {benchmark: benchmark.id, ...outcome.json, ...slurmJson, ...(processesRun === undefined ? {} : {processes: processesRun})}
  }

  /** What each array task or download process runs: this download of the image shards alone, from the metadata in OUT. */
  private taskArgs(benchmark: string, scale: string, out: string, flags: {threads: number; 'per-host': number; timeout: number; 'skip-bbox-blurring'?: boolean}): string[] {
    return [
      'pool', 'download', '--benchmark', benchmark, '--scale', scale, '--out', out, '--skip-metadata', '--yes',
      '--threads', String(flags.threads), '--per-host', String(flags['per-host']), '--timeout', String(flags.timeout),
      ...(flags['skip-bbox-blurring'] ? ['--skip-bbox-blurring'] : []),
    ]
  }
}
