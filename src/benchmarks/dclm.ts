import {dclmEmbed, dclmEmbeddings} from './dclm/embeddings.js'
import {join} from 'node:path'

import {DcbError} from '../errors.js'
import type {ReshardOutcome, ReshardRunOptions, SuiteScoring} from './benchmark.js'
import {checkLmModel} from '../runner/model-checks.js'
import {readTrainingManifest, trainingDataFacts} from '../runner/training-data.js'
import {packageRoot} from '../util/paths.js'
import {dclmPoolDownloader} from './dclm/pool-download.js'
import type {Benchmark} from './benchmark.js'
import {dclmContamination} from './dclm/contamination.js'
import {dclmEpochs} from './dclm/epochs.js'
import {isDclmDocumentFile, iterateDocumentFile, listDclmDocumentFiles} from './dclm/documents.js'
import {selectTasks as selectLmTasks} from '../eval/lm/evaluate.js'
import {mergeLmShards} from '../eval/lm/merge-shards.js'
import {loadLmSuite} from '../eval/lm/suite.js'
import {fetchDclmSuite, recheckDclmResults, runDclmEval} from './dclm/eval.js'
import {dclmHeuristic} from './dclm/heuristic.js'
import {DCLM_BASELINES} from './dclm/refinedweb/builtins.js'
import {dclmComputeSummary, dclmModelSummary, DclmRecipe, deriveDclm, type DclmDerived} from './dclm/recipe.js'
import {iterateDocumentRecords} from './dclm/records.js'
import {dclmScaling} from './dclm/scaling.js'
import {completeDclmReshard, reshardDclm, TOKENIZED_FORMAT, type ReshardDclmOptions, type ReshardDclmResult, type TokenizedManifest} from './dclm/reshard.js'
import {dclmScoring} from './dclm/scoring.js'
import {dclmSmoke} from './dclm/smoke.js'
import {DCLM_POOL_WORDS_PER_TOKEN, DCLM_QUALITY_MIX, synthesizeDclm} from './dclm/synth-pool.js'
import {lmTrainArgs} from './dclm/train-args.js'

const ID = 'dclm'
const SUITES = ['dclm-53', 'dclm-tiny'] as const
const scorings = new Map<string, SuiteScoring>()

/** The resharder's options for the adapter's `reshard.run` and `reshard.complete`; DCLM needs a scale. */
function reshardOptions(options: ReshardRunOptions<DclmRecipe, DclmDerived>): ReshardDclmOptions {
  if (!options.scale) {
    throw new DcbError('DCB_RESHARD_SCALE', `DCLM pool ${options.poolDir}: no --scale given and no pool.json naming one; the scale picks the tokenizer and sequence length`, {
      suggestions: ['pass --scale (see bench tracks list)'],
    })
  }
  return {
    subsetFile: options.subsetFile, poolDir: options.poolDir, outDir: options.outDir, recipe: options.scale, tokenizerFile: options.tokenizerFile,
    sequencesPerShard: options.shardSize, recordLimit: options.recordLimit, onProgress: options.onProgress,
  }
}

/** The facts of tokenized.json, as `bench reshard` reports them (with the scale asked for). */
function reshardOutcome(result: ReshardDclmResult, scale: string): ReshardOutcome {
  const m = result.manifest
  return {
    scale, subset_fingerprint: m.subset.fingerprint, subset_size: m.subset.size, output_count: m.documents, missing: m.missing, pool_duplicates: m.pool_duplicates,
    shards: m.shards.length, sequences: m.sequences, tokens: m.tokens, resumed_shards: 0, already_complete: result.alreadyComplete,
    // a document's id is a hash of the document itself: a pool cannot have lost one, so an id not found is not in it
    pool_complete: true,
  }
}

/**
 * DCLM (web text, open_lm training, 53 ICL tasks scored as CORE/EXTENDED): the rules of
 * shared/spec/dclm.md, wired from the modules beside this file and the LM eval runtime.
 */
export const dclm: Benchmark<DclmRecipe, DclmDerived> = {
  id: ID,
  title: 'DCLM',
  nouns: {record: 'document', records: 'documents', id: 'document id', ids: 'document ids'},
  tracksFile: join(packageRoot(), 'tracks', `${ID}.yaml`),
  recipe: {
    schema: DclmRecipe,
    derive: deriveDclm,
    globalBatchSize: (recipe) => recipe.global_batch_size,
    referenceGradAccum: (recipe) => recipe.acc,
    modelSummary: dclmModelSummary,
    computeSummary: dclmComputeSummary,
  },
  pool: {
    indexKind: 2,
    folders: ['documents'],
    sources: [
      {
        type: 'documents',
        description: '.jsonl[.gz|.zst] (DCLM documents)',
        matches: isDclmDocumentFile,
        async *ids(file) {
          for await (const doc of iterateDocumentFile(file)) yield doc.id
        },
      },
    ],
    synthesize: {
      unit: 'words',
      // measured on the tiny pool (2.47M words in 31,522 documents: 2.25 MB zstd, ~9 s on one busy core); an estimate
      estimate: (scale) => {
        const words = Math.ceil(scale.derived.tokens * DCLM_POOL_WORDS_PER_TOKEN)
        return {records: Math.round(words / 78), bytes: words * 0.92, seconds: words / 280_000}
      },
      async run({scale, dir, seed, onProgress}) {
        const budget = scale.derived.tokens
        const made = await synthesizeDclm({dir, targetWords: Math.ceil(budget * DCLM_POOL_WORDS_PER_TOKEN), seed, onProgress})
        return {
          count: made.count,
          qualities: made.qualities,
          files: made.files,
          facts: {words: made.words, token_budget: budget, world_seed: made.worldSeed},
          manifest: {quality_mix: DCLM_QUALITY_MIX},
        }
      },
    },
    download: dclmPoolDownloader,
  },
  subset: {
    // The pool is what the participant downloaded: its size is the index's distinct documents.
    declaredPoolSize: () => undefined,
    epochs: dclmEpochs,
    // Every document adds at least one token (its EOT): more documents than budget tokens are never all trained on.
    recordBudget: (scale) => ({records: scale.derived.tokens, budget: `tokens ${scale.derived.tokens}, each document at least its EOT token`}),
  },
  filter: {
    records: iterateDocumentRecords,
    poolFiles: listDclmDocumentFiles,
    heuristic: () => dclmHeuristic(ID),
    heuristicWholePool: false,
    builtins: DCLM_BASELINES,
    embeddings: dclmEmbeddings,
  },
  embed: dclmEmbed,
  reshard: {
    async run(options) {
      const o = reshardOptions(options)
      return reshardOutcome(await reshardDclm(o), o.recipe.scale)
    },
    async complete(options) {
      const o = reshardOptions(options)
      const result = await completeDclmReshard(o)
      return result && reshardOutcome(result, o.recipe.scale)
    },
  },
  training: {
    official: {
      image: 'lm',
      entryPoint: 'open_lm.main',
      smoke: dclmSmoke,
      exportSettings(scale) {
        if (!scale) return {}
        const m = scale.recipe.model_config
        return {norm: m.norm, qk_norm: m.qk_norm, ffn_type: m.ffn_type, positional_embedding_type: m.positional_embedding_type, eot_token_id: scale.recipe.eot_token_id}
      },
    },
    readData(dataDir, scale) {
      // Tokens from another tokenizer or contexts of another length would train a different model.
      const check = (doc: TokenizedManifest, file: string): void => {
        const want = {tokenizer: scale.recipe.tokenizer, seq_len: scale.recipe.model_config.seq_len}
        for (const [key, value] of Object.entries(want)) {
          if (doc[key as keyof typeof want] !== value) {
            throw new DcbError('DCB_TRAIN_DATA', `${file}: ${key} ${JSON.stringify(doc[key as keyof typeof want])}, but the ${ID} ${scale.scale} recipe needs ${JSON.stringify(value)}`, {
              suggestions: [`reshard for this scale: bench reshard --benchmark ${ID} --scale ${scale.scale} …`],
            })
          }
        }
      }
      return trainingDataFacts(readTrainingManifest<TokenizedManifest>({dataDir, benchmark: ID, file: 'tokenized.json', format: TOKENIZED_FORMAT, check}))
    },
    officialArgs: (scale, infra) => lmTrainArgs({recipe: scale, infra}),
    checkModel: checkLmModel,
  },
  eval: {
    suites: SUITES,
    scoring(suite) {
      if (!(SUITES as readonly string[]).includes(suite)) return undefined
      let scoring = scorings.get(suite)
      if (!scoring) scorings.set(suite, (scoring = dclmScoring(ID, suite)))
      return scoring
    },
    run: runDclmEval,
    aggregateFile: recheckDclmResults,
    fetch: fetchDclmSuite,
    taskKeys: (scale, tasks) => selectLmTasks(loadLmSuite(scale.recipe.eval_suite), tasks).map((task) => task.label),
    mergeShards: mergeLmShards,
  },
  leaderboard: {sizeColumn: 'Documents'},
  scaling: dclmScaling,
  contamination: dclmContamination,
}
