/**
 * Training: `reshard()` (subset → training shards) and `train()` (a frozen recipe in a container or on
 * the host python3, with run.json and the post-run checks). Entry points for commands and
 * `bench quickstart`; formats in docs/contracts.md and docs/containers.md.
 */
export {reshard, type ReshardOptions, type ReshardResult} from './reshard/index.js'
export {train, LABELS, TINY_TRAINER_COMMAND, type ExecutorChoice, type TrainOptions, type TrainProgressEvent, type TrainResult} from './train/index.js'
export {validateOutputs, type ValidateOutputsOptions, type ValidationReport} from './validate-outputs.js'
export {parseTrainerLine, EVENT_PREFIX, type TrainerEvent, type FinalJson, type StepMetrics} from './trainer-events.js'
export {dockerAvailable} from './executors/docker.js'
export {findHostPython, type HostPython} from './host-python.js'
