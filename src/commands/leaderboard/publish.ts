import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {DcbError, unknownChoice} from '../../errors.js'
import {
  defaultSuites,
  loadKeyring,
  publishBoard,
  PUBLISH_FORMATS,
  uploadSiteToHub,
  type HubUploadResult,
  type PublishFormat,
  type PublishResult,
} from '../../leaderboard/index.js'
import {count} from '../../ui/plural.js'
import {createProgressDisplay} from '../../ui/progress.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class LeaderboardPublish extends BenchCommand {
  static override summary = 'Publish a board as a static site (HTML, Markdown, CSV, JSON), optionally to a Hugging Face dataset repo.'
  static override description =
    'One leaderboard per benchmark, scale and track, ranked by the official headline (DataComp: the 38-task Average, with ImageNet, ImageNet dist. shifts, VTAB and Retrieval columns; DCLM: CORE, with EXTENDED and MMLU). The HTML page has sortable tables, a score-vs-dataset-size plot and a per-task heatmap drawn by Apache ECharts, bundled with the page so it needs no network. The JSON output includes every signed entry so anyone can re-verify. --out is replaced whole on every publish.'
  static override examples = [
    '<%= config.bin %> leaderboard publish --board board --out site',
    '<%= config.bin %> leaderboard publish --board board --out site --format html,csv --keyring board/keyring',
    'HF_TOKEN=hf_… <%= config.bin %> leaderboard publish --board board --out site --hub my-org/dcbench-leaderboard',
  ]
  static override flags = {
    board: Flags.string({description: 'Board folder (with entries.jsonl).', required: true}),
    out: Flags.string({description: 'Site folder to write (replaced whole).', required: true}),
    format: Flags.string({description: `Comma-separated formats: ${PUBLISH_FORMATS.join(',')}.`, default: PUBLISH_FORMATS.join(',')}),
    keyring: Flags.string({description: 'Check every signature again against this keyring before publishing.'}),
    title: Flags.string({description: 'Page title.'}),
    hub: Flags.string({description: 'Also upload the site to this Hugging Face dataset repo (namespace/name).', helpValue: 'REPO'}),
    'hub-token': Flags.string({description: 'Hugging Face write token (default: $HF_TOKEN).'}),
    'hub-url': Flags.string({description: 'Hub endpoint (default: $HF_ENDPOINT or https://huggingface.co).'}),
    'hub-path': Flags.string({description: 'Folder inside the repo (default: its root).'}),
  }

  async run(): Promise<PublishResult & {hub?: HubUploadResult}> {
    const {flags} = await this.parse(LeaderboardPublish)
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder', expected: 'the site folder'})
    const formats = parseFormats(flags.format)
    const keyring = flags.keyring ? await loadKeyring(flags.keyring) : undefined
    const progress = createProgressDisplay({label: 'publish', unit: 'entries', quiet: this.jsonEnabled()})
    const result = await publishBoard({boardDir: flags.board, outDir: flags.out, formats, suites: defaultSuites, keyring, title: flags.title, onProgress: progress.update})
    progress.stop()
    let hub: HubUploadResult | undefined
    if (flags.hub) {
      hub = await uploadSiteToHub({repo: flags.hub, siteDir: result.outDir, files: result.files, token: flags['hub-token'], hubUrl: flags['hub-url'], pathInRepo: flags['hub-path']})
    }
    if (!this.jsonEnabled()) {
      for (const board of result.boards) this.log(`${board.id.padEnd(32)} ${String(board.entries).padStart(6)} entries  leader: ${board.leader ?? '—'}`)
      this.log(`published ${count(result.entries, 'entry', 'entries')} in ${count(result.boards.length, 'board')} → ${result.outDir} (${count(result.files.length, 'file')}${keyring ? `, ${count(result.signaturesChecked, 'signature')} re-checked` : ''})`)
      if (hub) this.log(`uploaded ${count(hub.files, 'file')} to ${hub.hubUrl}/datasets/${hub.repo}${hub.commit ? ` (commit ${hub.commit.oid})` : ''}`)
    }
    return hub ? {...result, hub} : result
  }
}

function parseFormats(text: string): PublishFormat[] {
  const formats = text.split(',').map((f) => f.trim()).filter(Boolean)
  if (formats.length === 0) throw new DcbError('DCB_USAGE', '--format: expected at least one of ' + PUBLISH_FORMATS.join(', '))
  for (const f of formats) if (!(PUBLISH_FORMATS as readonly string[]).includes(f)) throw unknownChoice('format', f, PUBLISH_FORMATS)
  return formats as PublishFormat[]
}
