/**
 * dcbench as a library (`import … from 'dcbench'`): the benchmark registry and adapters, the filter
 * interface participants implement, and the functions behind every command. Importing it registers
 * the built-in benchmarks (DataComp, DCLM). docs/architecture.md maps the modules.
 */

// Benchmarks: the registry, the adapter interface, the built-ins.
export {benchmarkIds, getBenchmark, isBenchmark, listBenchmarks, registerBenchmark} from './benchmarks/registry.js'
export type * from './benchmarks/benchmark.js'
export {dataComp, dclm} from './benchmarks/builtins.js'
export type {DataCompDerived, DataCompRecipe, DataCompScaleRecipe} from './benchmarks/datacomp/recipe.js'
export type {DclmDerived, DclmRecipe, DclmScaleRecipe} from './benchmarks/dclm/recipe.js'

// Recipes and the per-run infrastructure split.
export {getRecipe, listRecipes, loadTracksFile, recipeOf, type GetRecipeOptions} from './tracks/registry.js'
export {INFRA_FIELDS, parseOverridePairs, resolveInfra} from './tracks/infra.js'
export {recipeNumber, ScaleStatus, TracksFile} from './tracks/schema.js'
export type {InfraPlan, RecipeBase, ScaleRecipe} from './tracks/recipe.js'

// Filters (docs/filters.md).
export type {DataFilter, DocumentRecord, FilterContext, FilterDecision, FilterRecord, ImageTextRecord, PoolRecord} from './filters/filter.js'
export {applyFilter, builtinFilterNames, closeFilter, loadFilter, type ApplyFilterOptions, type ApplyFilterResult, type LoadFilterOptions} from './filters/index.js'

// Pools and subsets (docs/pools-and-subsets.md).
export {indexPool, readUidIndexHeader, synthesizePool, type IndexPoolOptions, type SynthPoolOptions} from './pool/index.js'
export {convertSubset, loadSubset, validateSubset, type SubsetValidationReport, type ValidateSubsetOptions} from './subset/index.js'

// Training and evaluation (docs/contracts.md, docs/containers.md).
export {reshard, train, validateOutputs, type ReshardOptions, type ReshardResult, type TrainOptions, type TrainResult} from './runner/index.js'

// Scaling-law fits and predictions (Gadre et al.; README "Predicting larger scales").
export {fitFromFiles, fitScalingLaws, predictAt, predictGrid, readLawFile, readRowsFile, rowsFromRuns, type LawFile, type Prediction, type ScalingRow} from './predict/index.js'

// The files that pass between modules: one reader each.
export {readRunManifest, RunManifest, runManifestHash, writeRunManifest} from './contracts/run-manifest.js'
export {ClipModelJson, LmModelJson, readModelJson} from './contracts/model-json.js'
export {splitMemberName} from './contracts/webdataset.js'

// Leaderboard entries.
export {addEntry, buildEntry, defaultSuites, generateKeys, publishBoard, trustKey, verifyEntry} from './leaderboard/index.js'

// Errors and the command line.
export {DcbError, ERRORS, ExitCode, isDcbError, type ErrorCode, type ErrorInfo} from './errors.js'
export {runCli} from './cli/run-cli.js'
