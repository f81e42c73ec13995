import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'

import tar from 'tar-stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {heldoutLoss, readTokshufSequences, tinyHeldoutSequences} from '../../../../src/eval/lm/heldout-loss.js'
import {loadLmModel, type LmModel} from '../../../../src/eval/lm/model.js'
import {exportTinyGpt, torchReference} from '../../../helpers/tiny-gpt.js'

// The held-out loss step against the PyTorch reference GPT: the mean of torch's per-token
// cross-entropies over the same held-out tiny-world sequences, within 1e-4.
let dir: string
let model: LmModel
beforeAll(async () => {
  dir = await exportTinyGpt({seed: 5})
  model = await loadLmModel(dir, {threads: 1})
}, 300_000)
afterAll(async () => model?.release())

async function writeTokshuf(folder: string, shards: number[][][]): Promise<void> {
  for (const [i, contexts] of shards.entries()) {
    const pack = tar.pack()
    const chunks: Buffer[] = []
    pack.on('data', (c: unknown) => chunks.push(c as Buffer))
    const done = new Promise<void>((resolve) => pack.on('end', () => resolve()))
    contexts.forEach((ids, j) => pack.entry({name: `ctx-${i}-${j}.json.gz`}, gzipSync(JSON.stringify(ids))))
    pack.finalize()
    await done
    writeFileSync(join(folder, `shard_${String(i).padStart(8, '0')}.tar`), Buffer.concat(chunks))
  }
}

describe('held-out loss step', () => {
  it('is the mean next-token cross-entropy torch computes over held-out tiny-world text', async () => {
    // windows of 128 tokens: the reference runs each whole (its context is 128), scoring tokens 1..127
    const sequences = tinyHeldoutSequences(model.tokenizer, 0, 127, model.meta.eot_token_id, 12)
    expect(sequences.every((s) => s.length === 128)).toBe(true)
    expect(tinyHeldoutSequences(model.tokenizer, 0, 127, model.meta.eot_token_id, 12)).toEqual(sequences)
    const ours = await heldoutLoss(model, sequences, 'tiny', {maxBatchTokens: 300})
    const ref = await torchReference<{losses: number[]}[]>('score', dir, {sequences: sequences.map((tokens) => ({tokens, contStart: 1}))})
    const all = ref.flatMap((r) => r.losses)
    expect(ours.tokens).toBe(all.length)
    expect(Math.abs(ours.loss - all.reduce((a, b) => a + b, 0) / all.length)).toBeLessThan(1e-4)
    // a random model on a 1,536-token vocabulary: close to ln(1536) ≈ 7.3
    expect(ours.loss).toBeGreaterThan(5)
  }, 300_000)

  it("reads a tokenized validation set in tokshuf's layout, leaving padding targets out", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dcbench-heldout-'))
    const seqs = tinyHeldoutSequences(model.tokenizer, 1, 128, model.meta.eot_token_id, 5)
    // tokshuf pads a file's last context; the tiny world's <|padding|> is id 1 (this test model's pad is its EOT)
    const padded = [...seqs[4]!.slice(0, 60), ...new Array<number>(69).fill(1)]
    await writeTokshuf(folder, [[seqs[0]!, seqs[1]!], [seqs[2]!, seqs[3]!, padded]])
    const read = await readTokshufSequences(folder)
    expect(read).toEqual([seqs[0], seqs[1], seqs[2], seqs[3], padded])
    const result = await heldoutLoss(model, read, folder, {padTokenId: 1})
    expect(result.tokens).toBe(4 * 128 + 59)
    expect((await heldoutLoss(model, read, folder)).tokens).toBe(5 * 128)
    await expect(readTokshufSequences(join(folder, 'none'))).rejects.toMatchObject({code: 'DCB_EVAL_DATA'})
    writeFileSync(join(folder, 'shard_00000009.tar'), 'not a tar')
    await expect(readTokshufSequences(folder)).rejects.toMatchObject({code: 'DCB_EVAL_DATA', message: expect.stringMatching(/shard_00000009\.tar/)})
  }, 300_000)
})
