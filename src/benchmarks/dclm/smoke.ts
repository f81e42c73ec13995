import type {ArgOverride, SmokeSpec} from '../benchmark.js'
import type {InfraPlan} from '../../tracks/infra.js'
import type {DclmScaleRecipe} from './recipe.js'

/**
 * A DCLM smoke run (docs/official.md, "Smoke runs"): open_lm 9bb92ef's `open_lm.main` with the scale's
 * get_open_lm_args list on one CPU process, except a tiny model and a ten-step budget. The global batch,
 * gradient accumulation, schedule, norm, qk-norm, z-loss and data settings stay the scale's.
 */

/** Where the smoke run's model config is written (RUN/…) and where the container sees it (/out/…). */
export const DCLM_SMOKE_CONFIG = 'smoke/open_lm_smoke.json'

/**
 * The smoke model's shape: 2 layers, 32 wide, 2 heads, a context of 16 tokens (the scale's vocabulary,
 * FFN, positional embedding and tying; its norm and qk-norm come from the flags, as at the scale). The
 * output layer over the 50,432-token vocabulary dominates a step: 512 × 16 tokens a step is ~10 s on two
 * CPU cores, a context of 64 four times that.
 */
const SMOKE_SHAPE = {hidden_dim: 32, n_layers: 2, n_heads: 2, seq_len: 16}
const STEPS_PER_EPOCH = 5
const EPOCHS = 2

export function dclmSmoke(scale: DclmScaleRecipe, _infra: InfraPlan): SmokeSpec {
  const m = scale.recipe.model_config
  const config = {...SMOKE_SHAPE, vocab_size: m.vocab_size, post_embed_norm: false, weight_tying: m.weight_tying, ffn_type: m.ffn_type, positional_embedding_type: m.positional_embedding_type}
  const tokensPerEpoch = STEPS_PER_EPOCH * scale.recipe.global_batch_size * SMOKE_SHAPE.seq_len
  const overrides: ArgOverride[] = [
    {flag: '--model', value: `/out/${DCLM_SMOKE_CONFIG}`, why: `a ${SMOKE_SHAPE.n_layers}-layer, ${SMOKE_SHAPE.hidden_dim}-wide open_lm with a ${SMOKE_SHAPE.seq_len}-token context and the scale's vocabulary, FFN (${m.ffn_type}), norm and qk-norm`},
    {flag: '--train-num-samples', value: String(tokensPerEpoch), why: `${STEPS_PER_EPOCH} optimizer steps of the scale's global batch per pseudo-epoch`},
    {flag: '--epochs', value: String(EPOCHS), why: `${EPOCHS} pseudo-epochs: ${STEPS_PER_EPOCH * EPOCHS} steps, with a checkpoint to resume from in between`},
    {flag: '--workers', value: '1', why: 'one data-loading process on a CPU machine'},
    {flag: '--precision', value: 'fp32', why: 'amp_bfloat16 runs on CPU but ~6x slower than fp32'},
    ...scale.recipe.fsdp_flags.map((flag): ArgOverride => ({flag, value: null, why: 'FSDP needs distributed mode, which upstream cannot run on CPU (docs/official.md)'})),
  ]
  return {overrides, files: {[DCLM_SMOKE_CONFIG]: `${JSON.stringify(config, null, 2)}\n`}}
}
