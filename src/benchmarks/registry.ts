import {DcbError, unknownChoice} from '../errors.js'
import type {Benchmark} from './benchmark.js'

/**
 * The benchmarks dcbench knows, by id. A leaf module on purpose: every layer may look a benchmark up
 * without an import cycle, because this module imports no adapter. The built-in adapters are
 * registered by the entry points (`src/benchmarks/builtins.ts`, imported by the CLI's base command and
 * by the package entry `src/index.ts`); a library user adds another with `registerBenchmark`.
 */

const registered = new Map<string, Benchmark>()
let generation = 0

const ID = /^[a-z][a-z0-9-]*$/

/**
 * Adds a benchmark. Registering the same adapter twice is a no-op; another adapter under a taken id,
 * or a taken pool index kind, is refused (ids and index kinds are written into files).
 */
export function registerBenchmark(benchmark: Benchmark): void {
  const existing = registered.get(benchmark.id)
  if (existing === benchmark) return
  if (!ID.test(benchmark.id)) {
    throw new DcbError('DCB_BENCHMARK_REGISTRY', `benchmark id '${benchmark.id}': expected lowercase letters, digits and '-', starting with a letter`)
  }
  if (existing) throw new DcbError('DCB_BENCHMARK_REGISTRY', `benchmark '${benchmark.id}' is already registered`)
  const clash = [...registered.values()].find((b) => b.pool.indexKind === benchmark.pool.indexKind)
  if (clash) throw new DcbError('DCB_BENCHMARK_REGISTRY', `benchmark '${benchmark.id}': pool index kind ${benchmark.pool.indexKind} is already '${clash.id}''s`)
  registered.set(benchmark.id, benchmark)
  generation++
}

/** The registered benchmark with this id; an unknown id fails listing the registered ones. */
export function getBenchmark(id: string): Benchmark {
  const benchmark = registered.get(id)
  if (!benchmark) throw unknownChoice('benchmark', id, benchmarkIds())
  return benchmark
}

/** Whether a benchmark of this id is registered. */
export function isBenchmark(id: unknown): id is string {
  return typeof id === 'string' && registered.has(id)
}

/** Registered benchmark ids, in registration order (the built-ins: datacomp, dclm). */
export function benchmarkIds(): string[] {
  return [...registered.keys()]
}

/** Every registered benchmark, in registration order. */
export function listBenchmarks(): Benchmark[] {
  return [...registered.values()]
}

/** The benchmark whose pool indexes carry this kind code (`.uidx` header), if any. */
export function benchmarkOfIndexKind(code: number): Benchmark | undefined {
  return [...registered.values()].find((b) => b.pool.indexKind === code)
}

/** Changes whenever a benchmark is registered: caches of per-benchmark data key on it. */
export function registryGeneration(): number {
  return generation
}
