import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

/**
 * Runs an official scale's batch script (src/runner/slurm/official-script.ts) under bash with stand-ins
 * for what cannot run here — a GPU cluster's `srun`, `scontrol`, pyxis, Apptainer and the upstream
 * trainer — to read back exactly what each task's trainer would receive: its argv (after every level of
 * quoting) and the rendezvous environment. The stand-ins are mocks, and only for those programs: the
 * script itself, its quoting and its per-task `bash -c` run for real.
 *
 * `srun` starts the first and the last task of the step (SLURM_PROCID 0 and N-1, node-major as SLURM's
 * block distribution places them); `apptainer exec` runs its command in an empty environment plus the
 * `APPTAINERENV_` variables under `--containall` or `--cleanenv` (as Apptainer does), in the task's own
 * environment otherwise; the trainer (`python`) writes its argv and environment, named by its RANK (the
 * official scripts) or, for a per-node launcher, its SLURM_NODEID.
 */

export interface FakeTask {
  argv: string[]
  env: Record<string, string>
}

const FAKES: Record<string, string> = {
  scontrol: `#!/bin/bash
case "$1 $2" in
  "show hostnames") printf 'gpu-a\\ngpu-b\\n' ;;
  "show node") echo "NodeName=$4 Arch=x86_64 NodeAddr=10.1.0.7 NodeHostName=$4" ;;
  *) echo "scontrol $*" >> "$FAKE_OUT/scontrol.log" ;;
esac
`,
  srun: `#!/bin/bash
nodes=1; per_node=1
while [[ "$1" == --* ]]; do
  case "$1" in
    --nodes=*) nodes="\${1#--nodes=}" ;;
    --ntasks-per-node=*) per_node="\${1#--ntasks-per-node=}" ;;
    --container-workdir=*) echo "\${1#--container-workdir=}" > "$FAKE_OUT/container-workdir" ;;
  esac
  shift
done
total=$((nodes * per_node))
for rank in 0 $((total - 1)); do
  SLURM_PROCID=$rank SLURM_LOCALID=$((rank % per_node)) SLURM_NODEID=$((rank / per_node)) SLURM_NTASKS=$total "$@" || exit $?
  [ "$total" = 1 ] && break
done
exit 0
`,
  apptainer: `#!/bin/bash
[ "$1" = exec ] || exit 64
shift
clean_env=0
while [[ "$1" == --* ]]; do
  case "$1" in
    --bind|--pwd) echo "$2" > "$FAKE_OUT/apptainer$1"; shift 2 ;;
    --containall|--cleanenv) clean_env=1; shift ;;
    *) shift ;;
  esac
done
shift # the image
[ "$clean_env" = 1 ] || exec "$@"
clean=(FAKE_OUT="$FAKE_OUT" PATH="$PATH")
while IFS='=' read -r -d '' name value; do
  [[ "$name" == APPTAINERENV_* ]] && clean+=("\${name#APPTAINERENV_}=$value")
done < <(env -0)
exec env -i "\${clean[@]}" "$@"
`,
  python: `#!/bin/bash
out="$FAKE_OUT/task-\${RANK:-\${SLURM_NODEID:-none}}"
printf '%s\\0' "$@" > "$out.argv"
env -0 > "$out.env"
`,
}

// The tiny scale's per-node launcher runs as python3 (the official scripts call python); the batch
// shell's own `python3 -c` (the free rendezvous port) still runs the real one.
FAKES.python3 = (FAKES.python as string).replace('#!/bin/bash\n', '#!/bin/bash\n[ "$1" = -c ] && exec /usr/bin/python3 "$@"\n')

/** Writes the stand-ins NAMES (default: all) into BIN, executable. */
export function writeFakes(bin: string, names: string[] = Object.keys(FAKES)): void {
  for (const name of names) {
    writeFileSync(join(bin, name), FAKES[name] as string)
    chmodSync(join(bin, name), 0o755)
  }
}

/** Reads what the stand-in trainer wrote into OUT: each task's argv and environment by rank. */
export function readFakeTasks(out: string): Map<number, FakeTask> {
  const tasks = new Map<number, FakeTask>()
  for (const name of readdirSync(out)) {
    const match = /^task-(\d+)\.argv$/.exec(name)
    if (!match) continue
    const argv = readFileSync(join(out, name), 'utf8').split('\0').slice(0, -1)
    const env = Object.fromEntries(readFileSync(join(out, `task-${match[1]}.env`), 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
    tasks.set(Number(match[1]), {argv, env})
  }
  return tasks
}

/** Runs SCRIPT as the batch shell of job 4242 on two nodes; returns the tasks' argv and environment by rank. */
export async function runWithFakeSlurm(script: string, nodes: number): Promise<{tasks: Map<number, FakeTask>; stdout: string; exitCode: number}> {
  const dir = mkdtempSync(join(tmpdir(), 'dcbench-fake-slurm-'))
  try {
    const bin = join(dir, 'bin')
    const out = join(dir, 'out')
    for (const sub of [bin, out]) mkdirSync(sub)
    writeFakes(bin)
    writeFileSync(join(dir, 'job.sbatch'), script)
    const result = await execa('bash', [join(dir, 'job.sbatch')], {
      reject: false,
      extendEnv: false,
      env: {PATH: `${bin}:/usr/bin:/bin`, FAKE_OUT: out, SLURM_JOB_ID: '4242', SLURM_JOB_NODELIST: 'gpu-[a-b]', SLURM_JOB_NUM_NODES: String(nodes)},
    })
    const tasks = readFakeTasks(out)
    return {tasks, stdout: `${result.stdout}\n${result.stderr}`, exitCode: result.exitCode ?? -1}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
