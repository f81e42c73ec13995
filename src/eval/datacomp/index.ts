// Public entry points of the DataComp evaluation (used by src/commands/eval and src/leaderboard).
export {aggregateDataComp, type AggregateDataCompOptions, type DataCompAggregates, type DataCompAggregation} from './aggregate.js'
export {aggregateDataCompFile, type AggregateDataCompFileOptions} from './aggregate-file.js'
export {numpyMean} from './numpy-mean.js'
export {appendResultLine, formatResultLine, parseResultsJsonl, readResultsFile, type DataCompResultRow, type TaskMetrics} from './results-file.js'
export {DATACOMP_GROUPS, loadSuite, scoredTasks, selectTasks, type Suite, type SuiteTask} from './suite.js'
export {evaluateDataComp, type EvalProgressEvent, type EvaluateDataCompOptions, type EvaluateDataCompResult} from './evaluate.js'
export {ensureSyntheticData, syntheticDataRoot, type EnsureSyntheticDataOptions} from './tiny-suite.js'
