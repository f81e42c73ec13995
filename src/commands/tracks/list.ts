import {BenchCommand} from '../../cli/base-command.js'
import {computeSummary, listRecipes, modelSummary} from '../../tracks/index.js'
import {renderTable} from '../../ui/table.js'

export default class TracksList extends BenchCommand {
  static override summary = 'List every benchmark and compute scale with its frozen recipe.'
  static override description = 'One row per (benchmark, scale): status, tracks, model, compute budget and recipe hash.'
  static override examples = ['<%= config.bin %> tracks list', '<%= config.bin %> tracks list --json']

  async run(): Promise<{scales: Record<string, unknown>[]}> {
    await this.parse(TracksList)
    const recipes = listRecipes()
    const scales = recipes.map((r) => ({
      benchmark: r.benchmark,
      scale: r.scale,
      status: r.status,
      tracks: r.tracks,
      model: modelSummary(r),
      compute: computeSummary(r),
      recipe_hash: r.hash,
    }))
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['benchmark', 'scale', 'status', 'tracks', 'model', 'compute', 'recipe hash'],
          scales.map((s) => [s.benchmark, s.scale, s.status, s.tracks.join(', '), s.model, s.compute, s.recipe_hash.slice(0, 12)]),
        ),
      )
    }
    return {scales}
  }
}
