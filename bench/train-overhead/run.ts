// Harness overhead of `bench train` (docker executor) against a bare `docker run` of the same image and
// command, on the same data, in the same run.
//
//   npx tsx bench/train-overhead/run.ts [--image TAG] [--benchmark dclm|datacomp] [--steps 20] [--repeats 3]
//
// Both sides start the trainer of the image (`python3 -m dcbench_trainers`) with the same env, mounts
// (data read-only, run folder), --network none, CPU and memory limits, the same user and hardening
// (no capabilities, no new privileges, PID limit, read-only root, tmpfs /tmp), on a fresh run folder holding
// the same recipe.json, stopped by DCBENCH_MAX_STEPS. The harness adds: reading the data manifest,
// container create/attach/wait/remove through dockerode, log streaming + parsing, run.json, and the
// post-run checks (final.json, metrics.jsonl, every ONNX graph loaded in onnxruntime-node and run).
// Default image: the dcbench/train-cpu tag of the current trainer code (ensureCpuImage builds it when
// missing); the newest image of that name may be of other inputs. Prints medians and the ratio.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {availableParallelism, loadavg, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'

import '../../src/benchmarks/builtins.js'
import {ensureCpuImage} from '../../src/runner/cpu-image.js'
import {containerUser, shareRunDir} from '../../src/runner/executors/container-user.js'
import {CONTAINER_PIDS_LIMIT} from '../../src/runner/executors/docker.js'
import {reshard} from '../../src/runner/reshard/index.js'
import {train} from '../../src/runner/train/index.js'
import {getRecipe, resolveInfra} from '../../src/tracks/index.js'
import {makeDataCompPool, makeDclmPool, writeSubsetNpy} from '../../test/helpers/reshard-fixtures.js'

const arg = (name: string, fallback: string): string => (process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] as string) : fallback)
const benchmark = arg('--benchmark', 'dclm') as 'dclm' | 'datacomp'
const steps = Number(arg('--steps', '20'))
const repeats = Number(arg('--repeats', '3'))
const threads = Math.min(2, availableParallelism())
const memory = Math.floor(totalmem() * 0.8)

async function main(): Promise<void> {
  const image = process.argv.includes('--image')
    ? arg('--image', '')
    : (await ensureCpuImage({onProgress: (event) => console.log(`image: ${event.detail ?? `phase ${event.done}`}`)})).tag
  const root = mkdtempSync(join(tmpdir(), 'dcbench-overhead-'))
  try {
    const data = join(root, 'data')
    if (benchmark === 'dclm') {
      const {ids} = await makeDclmPool(join(root, 'pool'), 60_000)
      await writeSubsetNpy(join(root, 'subset.npy'), new Map(ids.map((id) => [id, 1])))
    } else {
      const {uids} = await makeDataCompPool(join(root, 'pool'), {perShard: 2000})
      await writeSubsetNpy(join(root, 'subset.npy'), new Map(uids.map((id) => [id, 1])))
    }
    await reshard({benchmark, subsetFile: join(root, 'subset.npy'), poolDir: join(root, 'pool'), outDir: data})
    const recipe = getRecipe({benchmark, scale: 'tiny'})
    const recipeJson = JSON.stringify({format: 'dcbench.recipe/1', benchmark, scale: 'tiny', track: 'filtering', recipe_hash: recipe.hash, recipe: recipe.recipe, derived: recipe.derived, infra: resolveInfra(recipe)}, null, 2)

    const bare = async (i: number): Promise<number> => {
      const out = join(root, `bare-${i}`)
      mkdirSync(out)
      writeFileSync(join(out, 'recipe.json'), recipeJson)
      const t = performance.now()
      // the container settings of src/runner/executors/docker.ts, RUN shared the same way under root
      const user = containerUser()
      await shareRunDir(out, user)
      await execa('docker', ['run', '--rm', '--network', 'none', '--user', `${user.uid}:${user.gid}`, `--cpus=${threads}`, `--memory=${memory}`,
        '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true', `--pids-limit=${CONTAINER_PIDS_LIMIT}`, '--read-only',
        '--tmpfs', `/tmp:rw,nosuid,nodev,mode=1777,uid=${user.uid},gid=${user.gid}`,
        '-v', `${data}:/data:ro`, '-v', `${out}:/out`, '-e', 'DCBENCH_DATA=/data', '-e', 'DCBENCH_OUT=/out', '-e', 'DCBENCH_RECIPE=/out/recipe.json',
        '-e', `DCBENCH_THREADS=${threads}`, '-e', 'DCBENCH_GPUS=0', '-e', `DCBENCH_MAX_STEPS=${steps}`, '-e', 'HOME=/tmp', image, 'python3', '-m', 'dcbench_trainers'])
      return (performance.now() - t) / 1000
    }
    const harness = async (i: number): Promise<number> => {
      const t = performance.now()
      const result = await train({benchmark, scale: 'tiny', dataDir: data, runDir: join(root, `harness-${i}`), executor: 'docker', image, maxSteps: steps, threads, memoryBytes: memory})
      if (result.steps !== steps) throw new Error(`harness run stopped at ${result.steps}`)
      return (performance.now() - t) / 1000
    }
    await bare(-1) // warm the page cache and the engine
    const bareTimes: number[] = []
    const harnessTimes: number[] = []
    for (let i = 0; i < repeats; i++) {
      bareTimes.push(await bare(i))
      harnessTimes.push(await harness(i))
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
    const b = median(bareTimes)
    const h = median(harnessTimes)
    console.log(`image ${image}, ${benchmark} tiny, ${steps} steps, ${threads} threads, ${repeats} repeats, load ${loadavg()[0]?.toFixed(2)}`)
    console.log(`bare docker run : ${bareTimes.map((x) => x.toFixed(2)).join(' ')} s (median ${b.toFixed(2)} s)`)
    console.log(`bench train     : ${harnessTimes.map((x) => x.toFixed(2)).join(' ')} s (median ${h.toFixed(2)} s)`)
    console.log(`overhead        : +${(h - b).toFixed(2)} s, ratio ${(h / b).toFixed(3)}`)
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

await main()
