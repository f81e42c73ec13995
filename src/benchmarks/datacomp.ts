import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import {checkClipModel} from '../runner/model-checks.js'
import {readTrainingManifest, trainingDataFacts} from '../runner/training-data.js'
import type {ReshardOutcome, ReshardRunOptions, SuiteScoring} from './benchmark.js'
import {packageRoot} from '../util/paths.js'
import {IMAGE_SIZE} from '../world/index.js'
import type {Benchmark} from './benchmark.js'
import {dataCompContamination} from './datacomp/contamination.js'
import {mergeDataCompShards} from '../eval/datacomp/merge-shards.js'
import {loadSuite, selectTasks} from '../eval/datacomp/suite.js'
import {aggregateDataCompResults, fetchDataCompSuite, runDataCompEval} from './datacomp/eval.js'
import {dataCompEmbeddings} from './datacomp/baseline-pool.js'
import {DATACOMP_BASELINES} from './datacomp/baselines.js'
import {dataCompEmbed} from './datacomp/embed-inputs.js'
import {dataCompHeuristic} from './datacomp/heuristic.js'
import {dataCompPoolDownloader} from './datacomp/pool-download.js'
import {listDataCompShards} from './datacomp/pool-shards.js'
import {DATACOMP_POOL_SOURCES} from './datacomp/pool-sources.js'
import {dataCompComputeSummary, dataCompModelSummary, DataCompRecipe, deriveDataComp, type DataCompDerived} from './datacomp/recipe.js'
import {iterateImageTextRecords} from './datacomp/records.js'
import {completeDataCompReshard, DATACOMP_MANIFEST_FORMAT, reshardDataComp, type DataCompManifest, type ReshardDataCompOptions, type ReshardDataCompResult} from './datacomp/reshard.js'
import {mergeDataCompReshard, planDataCompReshard, reshardDataCompShard} from './datacomp/reshard-shards.js'
import {dataCompScoring} from './datacomp/scoring.js'
import {dataCompSmoke} from './datacomp/smoke.js'
import {DATACOMP_QUALITY_MIX, SYNTHETIC_CLIP_SCORE, synthesizeDataComp} from './datacomp/synth-pool.js'
import {clipTrainArgs, webdatasetPattern} from './datacomp/train-args.js'

const ID = 'datacomp'
const SUITES = ['datacomp-38', 'tiny-clip'] as const
const scorings = new Map<string, SuiteScoring>()

/** The resharder's options for the adapter's `reshard.run` and `reshard.complete`. */
function reshardOptions(options: ReshardRunOptions<DataCompRecipe, DataCompDerived>): ReshardDataCompOptions {
  return {subsetFile: options.subsetFile, poolDir: options.poolDir, outDir: options.outDir, scale: options.scale?.scale, shardSize: options.shardSize, recordLimit: options.recordLimit, onProgress: options.onProgress}
}

/** The facts of a reshard's manifest, as `bench reshard` reports them. */
function reshardOutcome(result: ReshardDataCompResult): ReshardOutcome {
  const m = result.manifest
  return {
    scale: m.scale, subset_fingerprint: m.subset.fingerprint, subset_size: m.subset.size, output_count: m.output_count, missing: m.missing, pool_duplicates: m.pool_duplicates,
    shards: m.shards.length, resumed_shards: result.resumedShards, already_complete: result.alreadyComplete, pool_complete: result.poolComplete,
  }
}

/**
 * DataComp (image–text pairs, CLIP training with open_clip 2.16.1, 38 eval tasks): the rules of
 * shared/spec/datacomp.md, wired from the modules beside this file and the CLIP eval runtime.
 */
export const dataComp: Benchmark<DataCompRecipe, DataCompDerived> = {
  id: ID,
  title: 'DataComp',
  nouns: {record: 'sample', records: 'samples', id: 'uid', ids: 'uids'},
  tracksFile: join(packageRoot(), 'tracks', `${ID}.yaml`),
  recipe: {
    schema: DataCompRecipe,
    derive: deriveDataComp,
    globalBatchSize: (recipe) => recipe.batch_size,
    referenceGradAccum: () => 1,
    modelSummary: dataCompModelSummary,
    computeSummary: dataCompComputeSummary,
  },
  pool: {
    indexKind: 1,
    folders: ['metadata', 'shards'],
    sources: DATACOMP_POOL_SOURCES,
    synthesize: {
      unit: 'samples',
      // measured on the tiny pool (20,000 samples: 87.9 MB, ~60 s on one busy core); an estimate
      estimate: (scale) => ({records: scale.recipe.pool_size, bytes: scale.recipe.pool_size * 4_400, seconds: scale.recipe.pool_size / 330}),
      async run({scale, dir, seed, onProgress}) {
        const made = await synthesizeDataComp({dir, count: scale.recipe.pool_size, seed, scale: scale.scale, onProgress})
        return {
          count: made.count,
          qualities: made.qualities,
          files: [...made.shards, made.metadata],
          facts: {image_size: IMAGE_SIZE},
          manifest: {quality_mix: DATACOMP_QUALITY_MIX, synthetic_clip_score: SYNTHETIC_CLIP_SCORE},
        }
      },
    },
    download: dataCompPoolDownloader,
  },
  subset: {
    declaredPoolSize: (scale) => scale.recipe.pool_size,
    // Training always sees the scale's sample budget, whatever the subset size (spec §0 item 4).
    epochs: (scale, samplesPerPass) => {
      const budget = scale.recipe.samples_seen
      return {budgetKind: 'samples_seen', budget, epochs: samplesPerPass > 0 ? budget / samplesPerPass : null, estimated: false}
    },
    // Training draws samples_seen samples: of a subset with more records, some are never drawn.
    recordBudget: (scale) => ({records: scale.recipe.samples_seen, budget: `samples_seen ${scale.recipe.samples_seen}`}),
  },
  filter: {
    records: iterateImageTextRecords,
    poolFiles: async (pool) => (await listDataCompShards(pool)).map((shard) => shard.tar),
    heuristic: () => dataCompHeuristic(ID),
    heuristicWholePool: 'it drops near-duplicates of images kept earlier in pool order',
    builtins: DATACOMP_BASELINES,
    embeddings: dataCompEmbeddings,
    // the features DataComp's image-based baseline clusters (datacomp spec §6)
    defaultEmbedding: 'l14_img',
  },
  embed: dataCompEmbed,
  reshard: {
    run: async (options) => reshardOutcome(await reshardDataComp(reshardOptions(options))),
    async complete(options) {
      const result = await completeDataCompReshard(reshardOptions(options))
      return result && reshardOutcome(result)
    },
    sharded: {
      async plan(options) {
        const {plan} = await planDataCompReshard({...options, scale: options.scale?.scale})
        return {outputShards: plan.starts.length, outputCount: plan.output_count}
      },
      async shard(options) {
        const done = await reshardDataCompShard({...options, scale: options.scale?.scale})
        return {outputShards: done.output_shards, part: done.part}
      },
      async merge(options) {
        await mergeDataCompReshard({...options, scale: options.scale?.scale})
      },
    },
  },
  training: {
    official: {
      image: 'clip',
      entryPoint: 'training.main',
      smoke: dataCompSmoke,
      exportSettings: (scale) => (scale ? {preprocess: {mean: scale.recipe.train_transform.image_mean, std: scale.recipe.train_transform.image_std}} : {}),
    },
    readData: (dataDir) => trainingDataFacts(readTrainingManifest<DataCompManifest>({dataDir, benchmark: ID, file: 'manifest.json', format: DATACOMP_MANIFEST_FORMAT})),
    officialArgs(scale, infra, dataDir) {
      // a plan made without the data (bench train --dry-run elsewhere) shows train.py's pattern for one shard
      const tars = existsSync(dataDir) ? readdirSync(dataDir).filter((n) => n.endsWith('.tar')).sort() : ['00000000.tar']
      return clipTrainArgs({recipe: scale, infra, trainData: webdatasetPattern('/data', tars.length > 0 ? tars : ['00000000.tar'])})
    },
    checkModel: checkClipModel,
  },
  eval: {
    suites: SUITES,
    scoring(suite) {
      if (!(SUITES as readonly string[]).includes(suite)) return undefined
      let scoring = scorings.get(suite)
      if (!scoring) scorings.set(suite, (scoring = dataCompScoring(ID, suite)))
      return scoring
    },
    run: runDataCompEval,
    aggregateFile: aggregateDataCompResults,
    fetch: fetchDataCompSuite,
    taskKeys: (scale, tasks) => selectTasks(loadSuite(scale.recipe.eval_suite), tasks).map((task) => task.key),
    mergeShards: mergeDataCompShards,
  },
  leaderboard: {sizeColumn: 'Dataset size'},
  contamination: dataCompContamination,
}
