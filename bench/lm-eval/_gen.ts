import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import '../../src/benchmarks/builtins.js'
import {readIclFile} from '../../src/eval/lm/icl-data.js'
import {loadLmModel} from '../../src/eval/lm/model.js'
import {prepareTask} from '../../src/eval/lm/prompts.js'
import {scorePreparedTask} from '../../src/eval/lm/score.js'
import {loadLmSuite} from '../../src/eval/lm/suite.js'
import {ensureTinySuiteData} from '../../src/eval/lm/tiny-suite.js'
import {exportTinyGpt} from '../../test/helpers/tiny-gpt.js'
const which = process.argv[2] ?? 'generation_task_with_answers'
const dir = await exportTinyGpt({seed: 0, dim: 128, layers: 4, seqLen: 128, withPast: true})
const suite = loadLmSuite('dclm-tiny')
const data = await ensureTinySuiteData(mkdtempSync(join(tmpdir(), 'dcbench-bench-')), suite.synthetic!.worldSeed)
const past = await loadLmModel(dir, {threads: 1})
const t = suite.tasks.find((x) => x.type === which)!
const prepared = prepareTask(readIclFile(join(data, t.dataset), t.type), t, {tokenizer: past.tokenizer, maxSeqLen: 128, eosTokenId: past.meta.eot_token_id})
const gen = {stoppingCriteria: t.earlyStoppingCriteria, cotDelimiter: t.cotDelimiter, doNormalization: t.doNormalization}
const t0 = performance.now()
for (let r = 0; r < 10; r++) await scorePreparedTask(past, prepared, gen)
console.log(which, ((performance.now() - t0) / 10).toFixed(1), 'ms/run; maxNewTokens', prepared.maxNewTokens)
