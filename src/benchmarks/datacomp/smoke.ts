import type {ArgOverride, SmokeSpec} from '../benchmark.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {DataCompScaleRecipe} from './recipe.js'

/**
 * A DataComp smoke run (docs/official.md, "Smoke runs"): open_clip 2.16.1's `training.main` with the
 * scale's train.py argument list on one CPU process, except a tiny model and a ten-step budget.
 */

/**
 * The smoke model, registered in the smoke image's open_clip model_configs (open_clip 2.16.1's --model
 * takes registered names only): a ViT of the same open_clip family — 2 layers, 64 wide, 32 px images in
 * 8 px patches, a 2-layer 64-wide text tower over the CLIP BPE context of 77.
 * containers/official/smoke/dcbench-smoke-vit.json.
 */
export const DATACOMP_SMOKE_MODEL = 'dcbench-smoke-vit'

/** Optimizer steps per pseudo-epoch, and pseudo-epochs: ten steps with a checkpoint after the fifth. */
const STEPS_PER_EPOCH = 5
const EPOCHS = 2

export function dataCompSmoke(scale: DataCompScaleRecipe, infra: InfraPlan): SmokeSpec {
  const samplesPerStep = infra.per_device_batch_size * infra.grad_accum * infra.gpus_per_node * infra.nodes
  const overrides: ArgOverride[] = [
    {flag: '--model', value: DATACOMP_SMOKE_MODEL, why: 'a 2-layer, 64-wide ViT (32 px images, 8 px patches) of the same open_clip family'},
    {flag: '--train-num-samples', value: String(STEPS_PER_EPOCH * samplesPerStep), why: `${STEPS_PER_EPOCH} optimizer steps of the scale's global batch per pseudo-epoch`},
    {flag: '--epochs', value: String(EPOCHS), why: `${EPOCHS} pseudo-epochs: ${STEPS_PER_EPOCH * EPOCHS} steps, with a checkpoint to resume from after step ${STEPS_PER_EPOCH}`},
    {flag: '--workers', value: '1', why: 'one data-loading process on a CPU machine'},
  ]
  // open_clip's amp runs fp32 on CPU by itself (GradScaler and autocast disable themselves without
  // CUDA); amp_bfloat16 builds a CUDA autocast and fails without CUDA.
  if (scale.recipe.precision === 'amp_bfloat16') overrides.push({flag: '--precision', value: 'fp32', why: 'amp_bfloat16 needs CUDA; fp32 on CPU'})
  return {overrides, files: {}}
}
