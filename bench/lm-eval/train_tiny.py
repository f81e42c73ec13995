"""Trains test/helpers/tiny_gpt.py's GPT on a token stream (PyTorch, CPU) and exports an LM model directory.

  train_tiny.py OUT --tokens FILE.json --tokenizer tokenizer.json [--steps N] [--seed S] [--threads T]

FILE.json: {"ids": [...]} (documents joined with EOT). Writes OUT/model.onnx, model.json, tokenizer.json.
"""
import json
import os
import shutil
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'helpers'))
from tiny_gpt import build, arg  # noqa: E402


def main():
    out = sys.argv[1]
    torch.set_num_threads(arg('--threads', 2, int))
    tok_file = arg('--tokenizer')
    tok = json.load(open(tok_file, encoding='utf8'))
    vocab = 1 + max(list(tok['model']['vocab'].values()) + [t['id'] for t in tok.get('added_tokens', [])])
    ids = torch.tensor(json.load(open(arg('--tokens')))['ids'], dtype=torch.long)
    cfg = {'seed': arg('--seed', 0, int), 'vocab_size': vocab, 'dim': arg('--dim', 128, int), 'layers': arg('--layers', 4, int), 'heads': 4, 'seq_len': 128}
    model = build(cfg).train()
    with torch.no_grad():
        model.head.weight.normal_(0, 0.02)
    steps, batch, seq = arg('--steps', 300, int), 32, 128
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.033, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(cfg['seed'])
    start = time.time()
    for step in range(steps):
        lr = 3e-3 * min(1.0, (step + 1) / 20) * (0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(step / steps * 3.14159)).item()))
        for g in opt.param_groups:
            g['lr'] = lr
        starts = torch.randint(0, len(ids) - seq - 1, (batch,), generator=gen)
        x = torch.stack([ids[s:s + seq] for s in starts])
        y = torch.stack([ids[s + 1:s + seq + 1] for s in starts])
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            print(f'step {step} loss {loss.item():.3f} ({time.time() - start:.0f} s)', file=sys.stderr)
    model.eval()
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(tok_file, f'{out}/tokenizer.json')
    torch.onnx.export(model, (torch.zeros(2, 8, dtype=torch.long),), f'{out}/model.onnx', input_names=['input_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch', 1: 'seq'}}, opset_version=14)
    eot = next((t['id'] for t in tok.get('added_tokens', []) if t['content'] == '<|endoftext|>'), 0)
    json.dump({'kind': 'lm', 'benchmark': 'dclm', 'scale': 'tiny', 'model': arg('--name', 'tiny-gpt'), 'vocab_size': vocab, 'seq_len': 128,
               'eot_token_id': eot, 'pad_token_id': eot, 'tokenizer': 'tokenizer.json', 'onnx': {'model': 'model.onnx'}}, open(f'{out}/model.json', 'w'), indent=2)
    print(json.dumps({'final_loss': loss.item(), 'seconds': time.time() - start}))


if __name__ == '__main__':
    main()
