import type {TrainPlan} from '../runner/train/index.js'
import {renderTable, terminalWidth} from './table.js'

/** Quotes an argument as a POSIX shell would need it, so a printed list can be pasted. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

/** `bench train --dry-run` as text: the plan's facts, the smoke overrides, and the upstream argument list. */
export function renderTrainPlan(plan: TrainPlan): string {
  const image = `${plan.image.tag} (${plan.image.variant}${plan.image.present === null ? ', not looked up' : plan.image.present ? `, ${plan.image.id?.slice(0, 19)}` : ', not built'})`
  const rows: string[][] = [
    ['benchmark / scale', `${plan.benchmark} ${plan.scale} (${plan.track})${plan.smoke ? ' — smoke run' : ''}`],
    ['recipe hash', plan.recipe_hash],
    ['executor / image', `${plan.executor} ${image}`],
    ['GPUs', `${plan.gpus} (${plan.infra.gpus_per_node} × ${plan.infra.nodes} node, per-device batch ${plan.infra.per_device_batch_size}, grad_accum ${plan.infra.grad_accum}, global ${plan.infra.global_batch_size})`],
    ['threads / memory', `${plan.threads} / ${(plan.memory_bytes / 2 ** 30).toFixed(1)} GiB`],
    ['mounts', plan.mounts.map((m) => `${m.host} → ${m.container} (${m.mode})`).join('\n')],
    ['environment', Object.entries(plan.environment).map(([k, v]) => `${k}=${v}`).join('\n')],
  ]
  if (plan.pins) rows.push(['pins', Object.entries(plan.pins).map(([name, pin]) => `${name} ${pin.version} (${pin.commit.slice(0, 12)})`).join('\n')])
  if (plan.files.length > 0) rows.push(['files written', plan.files.join('\n')])
  const parts = [renderTable(['plan', ''], rows, {maxWidth: terminalWidth(), wrap: [1]})]
  if (plan.smoke_overrides) {
    parts.push(renderTable(['smoke override', 'official', 'smoke', 'why'], plan.smoke_overrides.map((o) => [o.flag, o.official === null ? '(absent)' : String(o.official), o.smoke ?? '(dropped)', o.why]), {maxWidth: terminalWidth(), wrap: [3]}))
  }
  if (plan.upstream_args) parts.push(`python -m ${plan.entry_point} ${plan.upstream_args.map(shellQuote).join(' ')}`)
  else parts.push(`command: ${plan.command.map(shellQuote).join(' ')}`)
  if (plan.sbatch_script !== undefined) parts.push(`# the batch script (sbatch_script):\n${plan.sbatch_script.trimEnd()}`)
  return parts.join('\n')
}
