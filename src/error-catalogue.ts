/**
 * The catalogue of every `DCB_*` error code: its exit code, what it means and how to fix it. A
 * DcbError takes its exit code from here, `bench errors` prints it and docs/errors.md is written
 * from it (`npm run errors`); a unit test checks that it lists exactly the codes src/ uses.
 * Import from src/errors.ts, which re-exports it.
 */

/** Process exit codes shared by every command (a test pins this table). */
export const ExitCode = {
  /** The command did what was asked and every check passed. */
  Ok: 0,
  /** The input was usable but a check failed (invalid subset, rejected entry, disagreeing aggregate…). */
  CheckFailed: 1,
  /** Bad usage or unusable input: unknown flag value, unreadable or malformed file. */
  Usage: 2,
  /** An environment problem outside the input: Docker engine, python3, a container that died. */
  Environment: 3,
  /** A bug in dcbench itself. */
  Internal: 70,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** What each exit code means, in the words of the README's table. */
export const EXIT_CODE_MEANINGS: Record<ExitCodeValue, string> = {
  0: 'success, every check passed',
  1: 'a check failed (invalid subset, rejected entry, disagreeing aggregate, missing required tool)',
  2: 'bad usage or unusable input (unknown benchmark/scale/track, bad flag, unreadable or malformed file)',
  3: 'environment problem (Docker engine, python3, a container that died)',
  70: 'a bug in dcbench (re-run with `--debug` and report it)',
}

/** An exit code's meaning without its examples: "bad usage or unusable input". */
export function exitCodeSummary(code: ExitCodeValue): string {
  return EXIT_CODE_MEANINGS[code].replace(/ \(.*\)$/, '')
}

/** The parts of dcbench the codes are grouped by, in the order docs/errors.md and `bench errors` list them. */
export const ERROR_AREAS = {
  usage: 'Usage: commands, flags and choices',
  tracks: 'Tracks, recipes and benchmark adapters',
  pools: 'Pools',
  subsets: 'Subsets',
  filters: 'Filters',
  reshard: 'Resharding',
  train: 'Training and run folders',
  eval: 'Evaluation',
  hub: 'Hugging Face hub',
  predict: 'Scaling-law fits and predictions',
  leaderboard: 'Keys, entries and the leaderboard',
  environment: 'Environment: Docker, python3, CUDA',
  internal: 'Bugs in dcbench',
} as const

export type ErrorArea = keyof typeof ERROR_AREAS

/** One code's entry. */
export interface ErrorInfo {
  /** The process exit code of every error with this code. */
  readonly exitCode: ExitCodeValue
  /** Where it comes from (groups the catalogue). */
  readonly area: ErrorArea
  /** What went wrong, in one line. */
  readonly meaning: string
  /** How to fix it, in one line, naming the command or flag that does where there is one. */
  readonly fix: string
}

const {CheckFailed, Usage, Environment, Internal} = ExitCode

/** One entry, on one line of the table below: area, exit code, meaning, fix. */
function e<A extends ErrorArea, X extends ExitCodeValue>(area: A, exitCode: X, meaning: string, fix: string): {area: A; exitCode: X; meaning: string; fix: string} {
  return {area, exitCode, meaning, fix}
}

/** Every code dcbench reports, in area order: `CODE: e(area, exit code, meaning, fix)`. */
export const ERRORS = {
  // usage
  DCB_USAGE: e('usage', Usage, 'A flag or argument is missing, unknown, or has a value outside what it accepts.', 'Correct the flag the message names; `bench COMMAND --help` lists every flag.'),
  DCB_UNKNOWN_COMMAND: e('usage', Usage, 'No bench command (or help topic) has this name.', 'Use the command the message suggests, or one that `bench --help` lists.'),
  DCB_UNKNOWN_FLAG: e('usage', Usage, 'The command has no flag of this name (a mistyped flag, or one of another command).', 'Use the flag the message suggests; `bench COMMAND --help` lists every flag of a command.'),
  DCB_UNKNOWN_CHOICE: e('usage', Usage, 'A name given on the command line (benchmark, scale, track, format, suite, task, error code) is not a valid one.', 'Pick one of the values the message lists; `bench tracks list` lists benchmarks, scales and tracks.'),
  DCB_PATH: e('usage', Usage, 'A path given on the command line does not exist, is a file where a folder is expected (or the reverse), or sits in a missing or unwritable folder.', 'Correct the path the message names: create its folder first, or name a file (or folder) as the flag asks.'),
  DCB_NOT_AVAILABLE: e('usage', Usage, "The chosen benchmark's adapter lacks what the command needs (pool synthesis, resharding, training, evaluation, fetching eval data).", 'Use a benchmark that has it (--benchmark), or add the capability to its adapter (docs/adding-a-benchmark.md).'),

  // tracks
  DCB_TRACKS_FILE: e('tracks', Usage, 'A tracks/*.yaml recipe file cannot be read or does not match its benchmark\'s schema.', 'Fix the field the message names (schemas in docs/schemas/), or restore the file shipped with dcbench.'),
  DCB_FROZEN_FIELD: e('tracks', Usage, '--set tried to override a number the recipe freezes.', 'Set only gpus_per_node, nodes, per_device_batch_size or grad_accum with --set; `bench tracks show` shows the frozen fields.'),
  DCB_UNKNOWN_OVERRIDE: e('tracks', Usage, '--set names a field that is not a per-run infrastructure field.', 'Use one of the fields the message lists: --set gpus_per_node=…, nodes=…, per_device_batch_size=… or grad_accum=….'),
  DCB_OVERRIDE_SYNTAX: e('tracks', Usage, 'A --set value is not written key=value, or sets one field twice.', 'Write --set key=value once per field, e.g. --set gpus_per_node=8.'),
  DCB_INFRA_VALUE: e('tracks', Usage, 'An infrastructure override is not a positive integer.', 'Give a whole number of at least 1, e.g. --set nodes=2.'),
  DCB_GLOBAL_BATCH: e('tracks', Usage, "GPUs × nodes × per-device batch × gradient accumulation does not make the recipe's frozen global batch.", 'Choose --set values whose product is the global batch that `bench tracks show --benchmark B --scale S` prints.'),
  DCB_BENCHMARK_REGISTRY: e('tracks', Usage, "A benchmark adapter cannot be registered: its id is malformed or taken, or its pool index kind is another benchmark's.", 'Give the adapter a unique lowercase id and pool index kind (docs/adding-a-benchmark.md).'),

  // pools
  DCB_POOL_SHARD: e('pools', Usage, 'A shard of a sharded pool index (bench pool index --shard i/N) is missing or indexes another pool when the shards are merged.', 'Run the shard the message names again with the same inputs and --out, then merge again (bench pool index --merge-shards N, or the same --executor slurm command).'),
  DCB_POOL_INPUT: e('pools', Usage, 'A pool file or folder is missing, of an unknown type, or malformed (a bad uid, a bad JSON line, an unreadable shard or table).', 'Pass the pool as `bench pool synth` or the official download writes it; fix or re-download the file the message names.'),
  DCB_DISK_FULL: e('pools', Environment, 'A download ran out of disk space (ENOSPC or a quota); the unfinished file was removed.', 'Free space or pass another --out, then run the same command again: finished shards and files are kept.'),
  DCB_POOL_INDEX: e('pools', Usage, "The pool's .uidx index is missing, corrupt, truncated, or indexes another benchmark's pool.", 'Build it again with `bench pool index POOL --out pool.uidx`.'),
  DCB_POOL_INTERRUPTED: e('pools', Environment, '`bench pool synth` was stopped (Ctrl-C, a signal) before it finished; its partial folder was removed.', 'Run the same command again: the pool is generated from the start, with the same bytes for the same seed.'),
  DCB_JOB_CONFIRM: e('pools', Usage, 'A long or large job (`bench pool synth` above tiny) would write more than 10 GB or run more than 30 minutes (estimated) and nobody confirmed it (no --yes, and no terminal to ask on).', 'Check the size it printed, then pass --yes; or use a smaller --scale.'),
  DCB_OUTPUT_EXISTS: e('pools', Usage, '`bench pool synth` would write into a folder that exists and is not empty.', 'Choose a new --out folder, or remove the existing one.'),

  // subsets
  DCB_SUBSET_FORMAT: e('subsets', Usage, 'A subset file is missing, unreadable, or not a valid .npy, raw, parquet or CSV list of uids.', 'Fix the row or byte the message names, or write the subset again as a .npy of 16-byte uids (`bench subset convert`).'),
  DCB_SUBSET_INVALID: e('subsets', CheckFailed, "A subset row's repeat count is not a non-negative integer, so the subset is invalid.", 'Make every repeat a whole number of at least 0, then check with `bench subset validate`.'),
  DCB_SUBSET_TOO_LARGE: e('subsets', CheckFailed, "A subset holds more records (repeats counted) than the scale's budget can ever train on — by its size, one row's repeat count or the rows' running total — and was refused before they were read or allocated.", 'Lower the repeat counts (training draws no more records than the budget), or validate against the scale the subset is for (--scale).'),
  DCB_SUBSET_OUTPUT: e('subsets', Usage, '`bench subset convert` cannot write its output: it is the input file, or the path is not writable.', 'Write to another, writable path.'),
  DCB_CONTAMINATION_INPUT: e('subsets', Usage, '`bench subset contamination` was given more eval tasks or examples than one index holds (128 tasks, 16,777,216 examples a task).', 'Check fewer tasks at a time with --tasks.'),
  DCB_CONTAMINATION_REPORT: e('subsets', Usage, 'A contamination report is missing, not JSON, or not the dcbench.contamination/1 format.', 'Pass the --out file that `bench subset contamination` wrote.'),

  // filters
  DCB_FILTER_USAGE: e('filters', Usage, 'The filter, its size options and the pool do not fit together (unknown filter, --size with --fraction, a size beyond the pool, a scoring filter without a size…).', 'Pass a built-in filter name or a module file to --filter, and one of --size or --fraction for a scoring filter (docs/filters.md).'),
  DCB_FILTER_SHARD: e('filters', Usage, 'A part of a sharded filter run (bench filter --shard i/N) is missing, broken, or from another run (other filter options, another pool) when the parts are merged.', 'Run the shard the message names again with the same flags, then merge again (bench filter --merge-shards N, or the same --executor slurm command).'),
  DCB_FILTER_WHOLE_POOL: e('filters', Usage, 'A filter whose decision of a sample depends on other samples (a pool-wide threshold or fraction, clustering, deduplication) was asked to run sharded (--shard, --merge-shards, --executor slurm).', 'Run it without --shard/--executor slurm (on one machine or as one job); docs/slurm.md lists the filters that shard.'),
  DCB_FILTER_BAD: e('filters', Usage, 'A filter module cannot be loaded, or the filter threw or returned something that is not a decision.', 'Make the module export a DataFilter whose decisions are true, false, a finite score or {repeat: k} (docs/filters.md).'),
  DCB_FILTER_POOL: e('filters', Usage, 'The pool being filtered has a malformed record (a bad uid, unreadable metadata, a sample without its image or text, no ground truth for the oracle filter).', 'Fix or re-download the pool file the message names; use the oracle filter only on pools from `bench pool synth`.'),
  DCB_EMBEDDINGS: e('filters', Usage, 'An embedding file (.npz) is missing, unreadable, lacks an array, has the wrong dtype or shape, or does not line up with its metadata parquet row for row.', 'Write the embeddings again, or re-download the pool\'s .npz files; each <stem>.npz must sit next to <stem>.parquet with one row per parquet row.'),
  DCB_MODEL_FILE: e('filters', Usage, 'A model file a built-in filter needs (fastText language ID or quality classifier, k-means centroids, target embeddings) is missing or not in the expected format.', 'Pass the file the message names in the format docs/filters.md gives for that flag (a fastText .bin/.ftz, a float .npy).'),
  DCB_EMBED_MODEL: e('filters', Usage, "`bench embed`'s --model is not an ONNX tower it can run: its input is neither an image batch (float32 [N, 3, S, S]) nor token ids (int64/int32 [N, L]), its output is not [N, D] or [N, L, D] floats, or onnxruntime cannot load it.", 'Export the tower alone (one image or token-id input, one embedding output) to ONNX and pass that file (docs/embeddings.md).'),
  DCB_EMBED_INPUT: e('filters', Usage, '`bench embed` was asked for inputs the pool does not have (an image tower on a pool without images), or a record lacks its input.', 'Use a text tower on a pool without images, or download the pool\'s images first.'),
  DCB_EMBED_OUT: e('filters', Usage, "`bench embed`'s --out folder holds files of another pool, model or array name (its embed.json says which), or .npz files it did not write.", 'Pass an empty or new --out folder, or the one an earlier run of the same command wrote (that run resumes).'),
  DCB_FILTER_SCRATCH: e('filters', Environment, "SemDeDup's scratch copy of the pool's embedding rows (float32, rows × dims × 4 bytes, in the temp folder) could not be written: no space left.", 'Free space in the temp folder, or point TMPDIR at a larger disk, then run the same command again.'),
  DCB_FILTER_SANDBOX: e('filters', Usage, "A filter module tried what its sandbox refuses: reading a file other than the pool, its own file and --allow-read paths, writing any file, starting a process or thread, loading a native addon.", 'Read only the pool or give the path with --allow-read PATH; return decisions instead of writing files (bench writes the subset).'),

  // reshard
  DCB_RESHARD_OUT: e('reshard', Usage, "`bench reshard`'s --out folder holds something else: another subset's shards, an interrupted reshard of other inputs, or unrelated files.", 'Choose an empty --out folder, or run exactly the earlier command again to resume.'),
  DCB_RESHARD_SUBSET: e('reshard', Usage, '`bench reshard` found none of the subset\'s records in the pool, or records a complete pool (synthetic, DCLM) does not have: the training data would not be the subset, so none is written.', 'Check the subset against the pool\'s index with `bench subset validate` (`bench pool index` builds it), and pass the pool it was made from.'),
  DCB_RESHARD_SHARD: e('reshard', Usage, 'A task of a sharded DataComp reshard (bench reshard --shard i/N) left no part when the shards are merged.', 'Run the shard the message names again with the same flags, then merge again (bench reshard --merge-shards N, or the same --executor slurm command).'),
  DCB_RESHARD_SCALE: e('reshard', Usage, "A DCLM reshard needs a scale (it picks the tokenizer and sequence length), and neither --scale nor the pool's pool.json gives one.", 'Pass --scale (`bench tracks list` lists the scales).'),
  DCB_TOKENIZER: e('reshard', Usage, 'The tokenizer a recipe needs does not ship with dcbench, or a tokenizer.json is unreadable or unsupported.', "Download the recipe's Hugging Face tokenizer.json and pass it with --tokenizer FILE."),

  // train
  DCB_TRAIN_DATA: e('train', Usage, '--data is not training data that `bench reshard` wrote for this benchmark and scale (missing, another format or scale, no shards).', 'Write it with `bench reshard --benchmark B --scale S … --out DIR` and pass that folder to --data.'),
  DCB_RUN_DIR: e('train', Usage, 'A run folder is missing, has no valid run.json, or holds a run of another recipe or data.', 'Pass a run folder written by `bench train`, or choose a new --out folder for a new run.'),
  DCB_RUN_BUSY: e('train', Environment, 'Another container is already training this run folder.', 'Wait for it to finish, or stop it with `docker stop ID` (the message gives the ID).'),
  DCB_RUN_PLANTED: e('train', Usage, 'A file bench reads or writes in a run folder (run.json, recipe.json, logs/) is a symbolic link, a FIFO or another non-regular file, or resolves outside the folder: a trainer may have left it there.', 'See where it points (it may be a file of yours), remove it, and run the same `bench train` command; distrust the image that left it.'),
  DCB_CONTAINER_USER: e('train', Usage, 'DCBENCH_CONTAINER_USER, the uid:gid training containers run as when bench runs as root, is malformed or names root.', 'Set it to two numbers above 0, e.g. DCBENCH_CONTAINER_USER=1500:1500, or unset it to use 65532:65532.'),
  DCB_LOCAL_EXECUTOR_SCALE: e('train', Usage, '--executor local was asked to train a scale other than tiny; larger scales train only in their GPU image.', 'Use --executor docker for that scale.'),
  DCB_LOCAL_EXECUTOR: e('train', Environment, 'The local executor cannot start or run the host python3 trainer.', 'Check the host python3 with `bench doctor` (or set DCBENCH_PYTHON), or use --executor docker.'),
  DCB_TRAIN_INPUT: e('train', Usage, 'The trainer refused its input (it exited with code 2).', 'Fix the input the trainer names (data, --set overrides), then run the same `bench train` command.'),
  DCB_TRAIN_FAILED: e('train', Environment, 'The trainer exited with an error.', 'Read RUN/logs/train.log, fix the cause, and run the same `bench train` command to resume from the last checkpoint.'),
  DCB_TRAIN_OOM: e('train', Environment, "The kernel's OOM killer stopped the trainer.", 'Give it more memory (--memory) or a smaller per-device batch (--set per_device_batch_size=…), then run the same command to resume.'),
  DCB_TRAIN_INTERRUPTED: e('train', Environment, 'Training was stopped (a signal, Ctrl-C) after the trainer saved a checkpoint.', 'Run the same `bench train` command to resume.'),
  DCB_SLURM_OPTION: e('train', Usage, 'A SLURM site option (--partition, --account, --qos, --time, --constraint, --sbatch-arg, --signal, --runtime, --slurm-image or the --slurm-config file) is malformed or missing.', 'Give the value the message expects; values go onto #SBATCH lines, so blanks and quotes are refused.'),
  DCB_SLURM_SUBMIT: e('train', Usage, 'sbatch refused the job (unknown partition or account, a limit, an invalid option).', 'Check the site options against the cluster (sinfo, sacctmgr show assoc) and submit again.'),
  DCB_SLURM_JOB: e('train', Environment, 'The SLURM job failed, timed out, ran out of memory, lost a node or was cancelled outside bench.', 'Read the job log lines the message quotes (RUN/logs/train.log has all of them), fix the cause, and run the same `bench train` command: it resumes from the last checkpoint.'),
  DCB_SLURM_NODE: e('environment', Environment, 'A compute node of a SLURM job that runs bench there (bench eval --executor slurm) has no Node.js ≥ 20 at the login node\'s path, or not this dcbench checkout.', 'Give the nodes Node.js ≥ 20 at the same path (or set DCBENCH_SLURM_NODE to its path on the nodes) and this checkout, built, on a file system they share (docs/slurm.md).'),
  DCB_NO_SLURM: e('environment', Environment, 'The SLURM client commands (sbatch, scontrol, sacct, scancel) are not on this machine.', 'Run bench on a login node of the cluster, or install the client (Debian: apt-get install slurm-client).'),
  DCB_TRAIN_OUTPUTS: e('train', CheckFailed, 'Training ended but its outputs failed the post-run checks (missing or malformed model files, metrics that disagree with final.json).', 'Fix the trainer or image, then run the same `bench train` command; the run folder is kept as it is.'),
  DCB_ONNX_MISMATCH: e('train', CheckFailed, "A trained model's ONNX graph does not reproduce the torch reference outputs (a missing output, another shape, a difference beyond the tolerance).", "Fix the trainer's ONNX export, then train again."),
  DCB_ONNX_REFERENCE: e('train', CheckFailed, "The model's reference file (torch outputs for the ONNX check) is unreadable or not a dcbench.onnx-reference/1 file.", 'Fix the trainer that writes it (docs/containers.md), then train again.'),
  DCB_EXPORT_INPUT: e('train', Usage, '`bench export` cannot use its input: the checkpoint, --arch or --tokenizer is missing or unreadable, or the checkpoint does not fit the architecture.', 'Pass an open_clip 2.16.1 or open_lm checkpoint (epoch_N.pt) with its architecture (a model name or config JSON) and, for an LM, its tokenizer.json.'),
  DCB_EXPORT_FAILED: e('train', Environment, 'The export container failed (the exporter crashed, or its output is not a model folder).', 'Read the exporter output the message quotes; the --out folder is left untouched.'),
  DCB_QUICKSTART_TRAIN: e('train', Environment, 'A quickstart training run ended without completing.', 'Run `bench quickstart` again with the same --out to resume.'),

  // eval
  DCB_MODEL_DIR: e('eval', Usage, 'A model directory is unusable: model.json missing or invalid, a file it names missing, a graph onnxruntime cannot load or whose external data lies outside the folder or in a file model.json does not name for it, outputs of the wrong shape.', 'Pass --model RUN/model of a complete `bench train` run (the format is in docs/contracts.md).'),
  DCB_EVAL_DATA: e('eval', Usage, 'An eval dataset in the data folder is malformed (missing shards, unreadable tars, samples without their image, label or caption).', 'Download it again with `bench eval fetch --benchmark datacomp --data DIR`.'),
  DCB_EVAL_DATA_MISSING: e('eval', Usage, '`bench eval` was asked for tasks whose data is not in the data folder (DCLM: for none of them), so it would score nothing.', 'Download them first with `bench eval fetch --benchmark B --scale S --data DIR` (the hint names it), or pass --data, the folder that holds them.'),
  DCB_EVAL_DATA_UNUSABLE: e('eval', CheckFailed, "`bench eval fetch` ended with tasks whose data is missing, has the wrong size or content, was refused by the hub (gated), or must be obtained by hand (DCLM's GPQA).", "Read each task's note in the table it prints; run it without --offline to download what is missing."),
  DCB_FIX_CONFIRM: e('usage', Usage, '`bench doctor --fix` would install packages and nobody confirmed it (no --yes, and no terminal to ask on, or no at the prompt).', 'Check the commands it printed, then run again with --yes.'),
  DCB_FETCH_CONFIRM: e('eval', Usage, '`bench eval fetch` or `bench pool download` would download more than 10 GB and nobody confirmed it (no --yes, and no terminal to ask on).', 'Pass --yes after checking the sizes it printed, or fetch less (--tasks; --shards, --metadata-only).'),
  DCB_EVAL_DOWNLOAD: e('eval', Environment, "Downloading an eval data file from its source (llm-foundry's files on GitHub) failed or was cut short.", 'Run the same command again: finished files are kept and a partial one resumes.'),
  DCB_EVAL_DOWNLOAD_CHECKSUM: e('eval', CheckFailed, "A downloaded eval data file's size, sha256 or git blob id differs from the one dcbench records for it; the file was removed.", 'Run the same command again; if it fails again, the source no longer serves the recorded file (check --source).'),
  DCB_EVAL_SHARD: e('eval', Usage, 'An eval shard (bench eval --shard i/N) left no results for one of its tasks, or the shards evaluated different models or suites, when they were merged.', 'Run the shard the message names again with the same flags (it resumes), then merge again (bench eval --merge-shards N, or the same --executor slurm command).'),
  DCB_EVAL_OUT: e('eval', Usage, "The eval --out folder holds another model's or suite's results, or an unreadable eval_info.json.", 'Use another --out folder, or delete it to start over.'),
  DCB_EVAL_FILE: e('eval', Usage, 'A DCLM eval JSON is unreadable or has no eval_metrics.icl numbers.', 'Pass the eval JSON that `bench eval --benchmark dclm` writes.'),
  DCB_ICL_DATA: e('eval', Usage, "An in-context-learning task file (llm-foundry JSONL) or one of its examples is malformed, or longer than the model's context.", 'Fix the file and line the message names, or use the task files as dcbench ships them.'),
  DCB_SUITE_FILE: e('eval', Usage, 'An eval suite definition (evaluators/*/suite.yaml) cannot be read or contradicts itself.', 'Fix the field the message names, or restore the suite file shipped with dcbench.'),
  DCB_RESULTS_FILE: e('eval', Usage, 'A DataComp eval_results.jsonl is missing, or has a malformed line or a row that does not match the suite.', 'Pass the eval_results.jsonl that `bench eval` writes; fix or remove the line the message names.'),
  DCB_RESULTS_DUPLICATE: e('eval', Usage, 'A results file lists the same task twice.', 'Keep one line per task, or run `bench eval` again into a new --out folder.'),
  DCB_RESULTS_UNKNOWN_TASK: e('eval', Usage, 'A results file names a task that is not in the suite.', "Name tasks by the suite's display names (e.g. 'ImageNet 1k'), as `bench eval` writes them."),
  DCB_RESULTS_INCOMPLETE: e('eval', CheckFailed, 'A results file lacks tasks its aggregate needs, so its averages would not be comparable with official numbers.', 'Evaluate the missing tasks with `bench eval`, or pass --partial to `bench eval aggregate` to average what is there.'),

  // hub
  DCB_S3_AUTH: e('pools', Environment, 'S3 (or the S3-compatible store) refused the credentials, or none were found.', 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to credentials that can read the bucket; --s3-endpoint for another store.'),
  DCB_DISK_WRITE: e('pools', Environment, 'A file of a download could not be written: a folder or file is in the way, a parent is not a folder, no permission, or a read-only file system.', 'Make the path writable, then run the same command again: it resumes after the finished shards.'),
  DCB_DOWNLOAD_PROCESS: e('pools', Environment, 'A download process of `bench pool download --processes` stopped without a result of its own (killed, out of memory, or crashed).', 'Run the same command again: finished shards are kept; if a process is killed again, lower --processes or --threads.'),
  DCB_S3_DOWNLOAD: e('pools', Environment, 'A request to S3 failed or a download was cut short.', 'Run the same command again: finished files are kept and a partial one resumes.'),
  DCB_S3_CHECKSUM: e('pools', CheckFailed, "A file downloaded from S3 has another size than HeadObject said, or its MD5 differs from the ETag; it was removed.", 'Run the same command again to download it afresh.'),
  DCB_POOL_INCOMPLETE: e('pools', CheckFailed, 'Files of the pool list are not in the bucket (NoSuchKey); the others were downloaded.', 'Check the list and --prefix-from/--prefix-to (the pool may have moved), or report it upstream; a subset is validated against the pool you hold.'),
  DCB_HUB_DOWNLOAD: e('hub', Environment, 'A download from the Hugging Face hub failed or was cut short.', 'Run the same command again (finished files are kept, partial ones resume), or pass --offline to use only the cache.'),
  DCB_HUB_NOT_FOUND: e('hub', Environment, 'The hub has no such dataset, file or revision, or will not serve it.', 'Check the dataset and --revision on the hub; gated datasets also need HF_TOKEN.'),
  DCB_HUB_AUTH: e('hub', Environment, 'The hub refused the download (HTTP 401 or 403).', 'Set HF_TOKEN to a token that can read the dataset.'),
  DCB_HUB_LISTING: e('hub', Environment, 'The hub listed a file path or object id that is not safe to use in the cache (absolute, with a `..` segment, or not a hex id); nothing was written.', 'Check that HF_ENDPOINT (--hub-url) points at the Hugging Face hub or a mirror you trust.'),
  DCB_HUB_GATED: e('hub', Environment, 'A gated dataset (WinoGAViL) was asked for without HF_TOKEN, or with the token of an account that has not accepted its terms.', "Accept the terms on the dataset's hub page, then set HF_TOKEN to a token of that account."),
  DCB_HUB_CHECKSUM: e('hub', CheckFailed, "A downloaded file's sha256 (LFS) or git blob id differs from the hub's; the file was removed.", 'Run the same command again to download it afresh.'),
  DCB_HUB_REPO: e('hub', Usage, '--hub is not a Hugging Face repo id of the form namespace/name.', 'Pass --hub ORG/NAME.'),
  DCB_HUB_TOKEN: e('hub', Usage, 'Publishing to the hub needs a write token, and none was given or it is not a Hugging Face token.', 'Set HF_TOKEN or pass --hub-token with a write token (hf_…).'),
  DCB_HUB_UPLOAD: e('hub', Environment, 'Uploading to the hub (a published board, or a submission bundle) failed.', "Check the token's write access, that the repo exists, and the network, then run the same command again."),

  // predict
  DCB_PREDICT_ROWS: e('predict', Usage, 'A rows file of `bench predict fit` is unreadable or malformed, or a row lacks params, tokens or loss, or has an unknown field.', 'Give one row per run with params (N), tokens (D), loss and optional error and name, as CSV (header line), JSONL or a JSON array.'),
  DCB_PREDICT_VALUE: e('predict', Usage, 'A row or flag has a non-positive N or D, or a value that is not a finite number.', 'Give N and D as positive counts (e.g. 1.4e9) and losses and errors as finite numbers.'),
  DCB_PREDICT_TOO_FEW: e('predict', Usage, 'A law has fewer rows than parameters: the loss law needs at least 4 runs, the error law 3 runs with an error.', 'Add runs (Gadre et al. fit the loss law on 5, the error law on 6).'),
  DCB_PREDICT_FROM: e('predict', Usage, 'A --from path is not a complete run folder with its DCLM eval JSON, or the eval lacks the held-out loss or a task of the --tasks set.', 'Pass run folders of `bench train` whose eval (RUN/eval, `bench eval --out RUN/eval`) ran every task of the set with its loss step.'),
  DCB_FIT_NOT_CONVERGED: e('predict', CheckFailed, 'A scaling-law fit did not converge: Levenberg–Marquardt reported no convergence from any start of the loss law, or from the error law\'s start.', 'Check the rows (N and D as counts, every loss on one validation set); runs over more scales and multipliers help.'),
  DCB_LAW_FILE: e('predict', Usage, 'A law.json is missing, not JSON, or not a dcbench.scaling-law/1 file.', 'Pass the law.json that `bench predict fit --out` writes.'),

  // leaderboard
  DCB_KEY_NAME: e('leaderboard', Usage, "A key name has characters other than letters, digits, '.', '_' and '-'.", 'Choose another --name.'),
  DCB_KEY_DIR: e('leaderboard', Usage, 'The key folder cannot be created.', 'Pass a writable --out folder to `bench keys generate`.'),
  DCB_KEY_EXISTS: e('leaderboard', Usage, 'A key of that name already exists, or the keyring has a different key under that name.', 'Choose another --name, or pass --force to `bench keys generate` to replace your own key.'),
  DCB_KEY_FILE: e('leaderboard', Usage, 'A key file is missing, not PEM, not ed25519, or a private key where a public one belongs.', 'Use the NAME.key (to sign) or NAME.pub (to trust) that `bench keys generate` writes.'),
  DCB_KEYRING: e('leaderboard', Usage, 'The keyring folder is missing or unreadable, or two of its keys have the same name.', 'Create it with `bench keys trust NAME.pub --keyring DIR`, or pass the right --keyring.'),
  DCB_RUN_INCOMPLETE: e('leaderboard', CheckFailed, 'The run to submit did not complete.', 'Finish or resume the run with `bench train`, then `bench submit` it.'),
  DCB_SUBMIT_SMOKE: e('leaderboard', Usage, 'The run or model to submit is a smoke run (`bench train --smoke`): a tiny stand-in model, never a leaderboard entry.', 'Train the scale itself with `bench train` (without --smoke) on GPUs, then submit that run.'),
  DCB_SUBMIT_MODEL: e('leaderboard', Usage, '`bench submit --model` was given a model folder that is not an exported external checkpoint, or a run was given together with --model.', 'Submit a dcbench run with --run RUN, or a checkpoint trained elsewhere with --model DIR written by `bench export`, plus --subset.'),
  DCB_RUN_MODEL: e('leaderboard', CheckFailed, 'The run names no model files, or the files in RUN/model no longer hash to what run.json (or the entry) says: the scores are not bound to this model.', 'Submit the model the run produced; `bench train` on a finished run records its model files.'),
  DCB_EVAL_MODEL: e('leaderboard', CheckFailed, "The eval output was made on another model than the run's, or does not say which model it evaluated.", "Evaluate the run's own model folder (RUN/model) with `bench eval`, then submit that output."),
  DCB_RECIPE_MISMATCH: e('leaderboard', CheckFailed, "The run's recipe hash is not the frozen recipe of its benchmark and scale.", 'Train with the frozen recipe of this dcbench version (`bench tracks show`), then submit.'),
  DCB_UNKNOWN_SUITE: e('leaderboard', Usage, "The run's recipe is evaluated on a suite this dcbench cannot score.", 'Submit with a dcbench version (or benchmark adapter) that scores that suite.'),
  DCB_ENTRY_INVALID: e('leaderboard', CheckFailed, 'The run and its eval output do not make a valid leaderboard entry.', 'Fix the field the message names in run.json or the eval output (as `bench train` and `bench eval` write them), then `bench submit` again.'),
  DCB_ENTRY_FILE: e('leaderboard', Usage, 'An entry file is missing, not JSON, or not a JSON object.', 'Pass the entry file that `bench submit` writes.'),
  DCB_ENTRY_REJECTED: e('leaderboard', CheckFailed, 'An entry fails verification (signature, file hashes, recipe, score rules) when added, or no longer verifies when published.', '`bench verify ENTRY --keyring DIR` lists every failed check; submit a fixed entry.'),
  DCB_ENTRY_DUPLICATE: e('leaderboard', CheckFailed, 'The entry is already on the board.', 'Nothing to add; a new run makes a new entry.'),
  DCB_RERUN_REJECTED: e('leaderboard', CheckFailed, "The organizers' re-run does not confirm the submitted entry.", 'Look into the difference the message names; --tolerance of `bench leaderboard add` sets the largest headline difference accepted.'),
  DCB_BUNDLE_INVALID: e('leaderboard', Usage, "A submission bundle cannot be written or unpacked: not a tar, a member that is not a regular file, a path outside the bundle's places, a member missing from, added to or differing from bundle.json.", "Pack the bundle with `bench submit --bundle` from the run and eval output the entry was built from, and send it unchanged."),
  DCB_REEVAL_REJECTED: e('leaderboard', CheckFailed, "An organizer's evaluation does not confirm the entry: it evaluated another model than the entry names, or a task's score is outside the agreement bounds.", 'Evaluate the model folder of the entry\'s bundle (`bench leaderboard add --bundle`), or keep the entry self-reported.'),
  DCB_CONTAMINATION_MISMATCH: e('leaderboard', CheckFailed, "A contamination report does not describe the entry's data (another benchmark, or another subset fingerprint), or its signer is not an organizer key.", 'Check the subset or training data the entry names (`bench subset contamination … --out`), and sign with a key in the keyring\'s organizers/ folder.'),
  DCB_BOARD: e('leaderboard', Usage, 'The board folder has no entries.jsonl, has an unreadable or malformed line, or cannot be created.', 'Pass the --board folder that `bench leaderboard add` created; fix the line the message names.'),
  DCB_BOARD_LOCK_LOST: e('leaderboard', Environment, 'The board lock was lost while updating (another process found it stale and took it); the board was left unchanged.', 'Run the same command again.'),
  DCB_BOARD_LOCKED: e('leaderboard', Environment, 'Another process has held the board lock for too long.', 'Retry when the other `bench leaderboard add` finishes; if no bench process runs, remove the stale .lock folder the message names.'),
  DCB_SITE_DIR: e('leaderboard', Usage, 'The publish --out folder exists and is not a site dcbench published.', 'Choose an empty or new --out folder for `bench leaderboard publish`.'),
  DCB_FILE: e('leaderboard', Usage, 'A file dcbench must hash (named by an entry, a run or a reshard) is missing, a folder, or unreadable.', 'Restore the file at the path the message names, or pass the right path.'),

  // environment
  DCB_NO_DOCKER: e('environment', Environment, 'The Docker engine does not answer.', 'Install and start Docker (`bench doctor` checks it), or train tiny scales with --executor local.'),
  DCB_DOCKER: e('environment', Environment, 'The Docker engine failed to inspect an image or to create or start the training container.', 'Check that `docker version` works; GPUs also need the NVIDIA Container Toolkit. Or train tiny scales with --executor local.'),
  DCB_NO_IMAGE: e('environment', Environment, 'The trainer image is not in the local Docker engine, or its labelled pins differ from containers/official/sources.lock.', 'Build it with the command the message gives (containers/official/build.sh), or pass --image with a local tag.'),
  DCB_IMAGE_BUILD: e('environment', Environment, 'Building a CPU trainer image (the tiny trainers, or an official smoke image) failed.', 'The build needs root (or sudo), debootstrap, the Docker engine and deb.debian.org (smoke images also the pinned archives: --vendor DIR); the message quotes the build\'s last line.'),
  DCB_NO_GPU: e('environment', Environment, 'An official-scale run needs GPUs: none were asked for (--gpus 0), or the machine shows fewer than asked (nvidia-smi).', 'Run it on a GPU machine with the NVIDIA driver and Container Toolkit; `bench train --dry-run` shows the plan anywhere and --smoke runs the upstream code on CPU.'),
  DCB_NO_PYTHON: e('environment', Environment, '`bench quickstart --executor local` finds no host python3 with torch and numpy.', '`bench doctor --fix` installs Debian\'s python3-torch for /usr/bin/python3, or set DCBENCH_PYTHON to a python3 that has torch and numpy; `bench doctor` says which python is used.'),
  DCB_NO_TORCH: e('environment', Environment, 'The host python3 cannot import torch or numpy, or there is no python3.', '`bench doctor --fix` installs Debian\'s python3-torch for /usr/bin/python3, or set DCBENCH_PYTHON to a python3 that has torch and numpy, or use --executor docker.'),
  DCB_NO_TRAINER: e('environment', Environment, 'Neither the Docker engine nor a host python3 with torch is available, so nothing can train the tiny models.', '`bench doctor --fix --yes` installs Debian\'s python3-torch (`--executor docker`: docker.io and dockerd), or set DCBENCH_PYTHON to a python3 that has torch and numpy.'),
  DCB_FIX_UNSUPPORTED: e('environment', Environment, '`bench doctor --fix` installs with apt-get and this machine is not Debian or Ubuntu.', 'Install torch, numpy, pillow and regex for a python3 and set DCBENCH_PYTHON to it, or install and start a Docker engine yourself.'),
  DCB_FIX_NO_ROOT: e('environment', Environment, '`bench doctor --fix` must install packages and runs neither as root nor with sudo available.', 'Run it as root, install sudo, or ask an administrator to install the packages the message names.'),
  DCB_FIX_FAILED: e('environment', Environment, 'A command `bench doctor --fix` ran failed (apt-get, starting dockerd), or the trainer still does not work after it.', 'Read the command\'s output above the error and run that command yourself; the mirror must be reachable and no other apt-get may hold the dpkg lock.'),
  DCB_NO_TRAINERS: e('environment', Environment, 'This dcbench installation lacks its trainer code (the dcbench_trainers package in containers/trainers).', 'Install dcbench again from a complete package or clone.'),
  DCB_NODE_PERMISSION: e('environment', Environment, "This Node.js did not start a filter module's process under its permission model, so the filter is not run.", 'Use Node.js 20.9 or later (`node --version`), as dcbench requires.'),
  DCB_NO_CUDA_PROVIDER: e('environment', Usage, "--device cuda was asked but onnxruntime-node's CUDA execution provider is not installed (its npm package ships only the CPU provider; the CUDA one is downloaded by its install script, on Linux x64 only).", 'Run the install command the message gives (ONNXRUNTIME_NODE_INSTALL=cuda12 node …/onnxruntime-node/script/install.js; it downloads from nuget.org), with CUDA 12 and cuDNN 9 on the library path; or use --device cpu.'),
  DCB_NO_CUDA: e('environment', Environment, 'Under --device cuda, onnxruntime cannot create a CUDA session for the model (no GPU, missing CUDA libraries).', 'Run on a machine with an NVIDIA GPU and the CUDA libraries onnxruntime-node needs, or use --device cpu.'),

  // internal
  DCB_INTERNAL: e('internal', Internal, 'An unexpected error: a bug in dcbench.', 'Re-run with --debug and report the output with the command you ran.'),
  DCB_INTERNAL_SUITE: e('internal', Internal, 'dcbench tried to generate the data of a suite that is downloaded, not synthetic: a bug.', 'Report it with the command you ran.'),
  DCB_QUICKSTART_INTERNAL: e('internal', Internal, 'A quickstart step found its own earlier output wrong (a baseline subset invalid, steps out of order): a bug.', 'Report it with the command you ran and its output.'),
} as const satisfies Record<`DCB_${string}`, ErrorInfo>

/** Every code dcbench reports. */
export type ErrorCode = keyof typeof ERRORS

/** Whether `code` is in the catalogue. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code)
}
