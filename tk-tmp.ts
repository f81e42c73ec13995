import {evaluateDclm} from './src/eval/lm/evaluate.js'
const t0 = Date.now()
const r = await evaluateDclm({scale: 'tiny', modelDir: '/tmp/tg', outDir: '/tmp/tg-out', dataDir: '/tmp/tg-data', onProgress: (e) => { if (e.kind !== 'rows') console.log(JSON.stringify(e)) }})
console.log(r.tasks, r.headline, r.evalFile, (Date.now()-t0)/1000)
