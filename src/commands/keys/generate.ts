import {Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {generateKeys, type GeneratedKeys} from '../../leaderboard/keys.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class KeysGenerate extends BenchCommand {
  static override summary = 'Generate an ed25519 signing key pair for leaderboard entries.'
  static override description =
    'Writes NAME.key (PKCS#8 PEM private key, file mode 0600) and NAME.pub (SPKI PEM public key) into --out, and prints the key id (sha256 of the raw public key). Give NAME.pub to the organizers: it goes into their keyring. Keep NAME.key secret.'
  static override examples = [
    '<%= config.bin %> keys generate --out ~/.dcbench/keys',
    '<%= config.bin %> keys generate --out keys --name alice --json',
  ]
  static override flags = {
    out: Flags.string({description: 'Folder for the key files (created if missing).', required: true}),
    name: Flags.string({description: 'File stem of the key files.', default: 'dcbench-signing'}),
    force: Flags.boolean({description: 'Overwrite existing key files.', default: false}),
  }

  async run(): Promise<GeneratedKeys> {
    const {flags} = await this.parse(KeysGenerate)
    checkOutputPath(flags.out, {flag: '--out', kind: 'folder'})
    const keys = await generateKeys({outDir: flags.out, name: flags.name, force: flags.force})
    if (!this.jsonEnabled()) {
      this.log(`key id      ${keys.keyId}`)
      this.log(`private key ${keys.privateKeyFile} (mode 0600 — keep it secret)`)
      this.log(`public key  ${keys.publicKeyFile} (give this to the organizers)`)
    }
    return keys
  }
}
