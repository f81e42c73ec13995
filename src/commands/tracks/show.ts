import {BenchCommand} from '../../cli/base-command.js'
import {benchmarkFlag, infraSetFlag, scaleFlag, trackFlag} from '../../cli/flags.js'
import {getRecipe, parseOverridePairs, recipeView, resolveInfra} from '../../tracks/index.js'

export default class TracksShow extends BenchCommand {
  static override summary = 'Show the whole frozen recipe of one benchmark and scale, with its hash.'
  static override description =
    'Prints every frozen and derived field under the spec names. With --set, also checks a per-run infrastructure split (GPUs per node, nodes, per-device batch, gradient accumulation) and refuses any other override.'
  static override examples = [
    '<%= config.bin %> tracks show --benchmark dclm --scale 7b-1x --json',
    '<%= config.bin %> tracks show --benchmark datacomp --scale medium --set gpus_per_node=8 --set nodes=1',
  ]
  static override flags = {
    benchmark: benchmarkFlag({required: true}),
    scale: scaleFlag({required: true}),
    track: trackFlag(),
    set: infraSetFlag(),
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = await this.parse(TracksShow)
    const recipe = getRecipe({benchmark: flags.benchmark, scale: flags.scale, track: flags.track})
    const infra = resolveInfra(recipe, parseOverridePairs(flags.set ?? []))
    const view = {...recipeView(recipe), infra}
    if (!this.jsonEnabled()) {
      this.log(`${recipe.benchmark} ${recipe.scale} (${recipe.status}) — recipe hash ${recipe.hash}`)
      this.log(`source: ${recipe.file}`)
      for (const [key, value] of Object.entries(view)) {
        if (['benchmark', 'scale', 'status', 'recipe_hash'].includes(key)) continue
        this.log(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
      }
    }
    return view
  }
}
