import {Args, Flags} from '@oclif/core'

import {BenchCommand} from '../../cli/base-command.js'
import {trustKey} from '../../leaderboard/keyring.js'
import {checkOutputPath} from '../../util/cli-path.js'

export default class KeysTrust extends BenchCommand {
  static override summary = "Add a public key to a keyring (organizers: a participant's NAME.pub)."
  static override description =
    'Copies an ed25519 public key into a keyring folder after checking it. Entries signed by keys in the keyring verify; keys added with --organizer (kept in the keyring\'s organizers/ folder) may also sign re-runs that mark entries verified.'
  static override examples = [
    '<%= config.bin %> keys trust alice.pub --keyring board/keyring',
    '<%= config.bin %> keys trust team.pub --keyring board/keyring --organizer',
  ]
  static override args = {
    publicKey: Args.string({description: 'The NAME.pub file to trust.', required: true}),
  }
  static override flags = {
    keyring: Flags.string({description: 'Keyring folder (created if missing).', required: true}),
    organizer: Flags.boolean({description: 'Trust the key to sign organizer re-runs.', default: false}),
    name: Flags.string({description: 'Name of the key in the keyring (default: the file stem).'}),
  }

  async run(): Promise<{keyId: string; name: string; role: string; file: string}> {
    const {args, flags} = await this.parse(KeysTrust)
    checkOutputPath(flags.keyring, {flag: '--keyring', kind: 'folder'})
    const key = await trustKey({publicKeyFile: args.publicKey, keyringDir: flags.keyring, role: flags.organizer ? 'organizer' : 'participant', name: flags.name})
    if (!this.jsonEnabled()) this.log(`trusted '${key.name}' (${key.role}) key ${key.keyId} → ${key.file}`)
    return {keyId: key.keyId, name: key.name, role: key.role, file: key.file}
  }
}
