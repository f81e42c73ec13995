"""A small GPT in PyTorch (Debian's python3-torch 1.13) for the LM-eval reference tests and benchmark.

  tiny_gpt.py export OUT --tokenizer FILE [--seed S] [--layers N] [--dim D] [--heads H] [--seq-len L] [--with-past [--positions]]
      random weights → OUT/model.onnx (input_ids int64 [batch, seq] → logits [batch, seq, vocab], opset 14),
      OUT/model.json (docs/contracts.md "model directory", kind lm), OUT/tokenizer.json, OUT/weights.pt;
      --with-past adds OUT/model_with_past.onnx (past key/value inputs and outputs, model.json onnx.with_past);
      --positions gives that graph the `positions` input (logits only at the given flat positions, with_past.positions)
  tiny_gpt.py score OUT            stdin: {"sequences": [{"tokens", "contStart"}], "batch": B}
      → per sequence {"losses", "predictions"} (float32 cross-entropy per continuation token, argmax)
  tiny_gpt.py generate OUT         stdin: {"contexts": [[ids]], "max_new_tokens", "eos"} → greedy ids per context
  tiny_gpt.py speed OUT            stdin: {"sequences": [[ids]], "batch": B} → {"tokens", "seconds"} of forward passes
  tiny_gpt.py suite OUT            stdin: {"sequences": [[ids]], "batch": B, "generate": [{"context": [ids], "steps": n}]}
      → {"seconds", "cpu_seconds"}: the speed loop, then greedy generation with a KV cache (HF generate's way), contexts of
      equal length batched (B rows), each row dropped after its `steps` model calls

Pre-LayerNorm blocks, causal softmax attention, GELU MLP, learned positions; nothing the ONNX
exporter of torch 1.13 cannot express.
"""
import json
import math
import shutil
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, 4 * dim)
        self.out = nn.Linear(4 * dim, dim)

    def forward(self, x, mask, past=None):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, h, d // h).transpose(1, 2)
        k = k.view(b, t, h, d // h).transpose(1, 2)
        v = v.view(b, t, h, d // h).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // h))
        att = att.masked_fill(mask, float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x)))), (k, v)


class TinyGPT(nn.Module):
    def __init__(self, vocab, dim, layers, heads, seq_len):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(seq_len, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        positions = torch.arange(t, device=input_ids.device).unsqueeze(0)
        x = self.tok(input_ids) + self.pos(positions)
        ones = torch.ones(t, t, dtype=torch.bool, device=input_ids.device)
        mask = torch.triu(ones, diagonal=1)
        for block in self.blocks:
            x = block(x, mask)[0]
        return self.head(self.ln(x))


class WithPast(nn.Module):
    """docs/contracts.md "with_past": input_ids [b, t] + past_key_values.{i}.key/.value [b, heads, p, head_dim]
    → logits [b, t, vocab] + present.{i}.key/.value [b, heads, p + t, head_dim]; the new tokens sit at
    positions p … p + t − 1 and see every past position."""

    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def hidden(self, input_ids, past):
        """The last block's hidden states [b, t, dim] and the present keys/values."""
        g = self.gpt
        t = input_ids.shape[1]
        p = past[0].shape[2]
        positions = torch.arange(p, p + t, device=input_ids.device).unsqueeze(0)
        x = g.tok(input_ids) + g.pos(positions)
        ones = torch.ones(t, p + t, dtype=torch.bool, device=input_ids.device)
        mask = torch.triu(ones, diagonal=p + 1)
        present = []
        for i, block in enumerate(g.blocks):
            x, kv = block(x, mask, (past[2 * i], past[2 * i + 1]))
            present.extend(kv)
        return x, present

    def forward(self, input_ids, *past):
        x, present = self.hidden(input_ids, past)
        return (self.gpt.head(self.gpt.ln(x)), *present)


class WithPastPositions(WithPast):
    """WithPast with the `positions` input (docs/contracts.md "with_past", `positions: true`): int64 [n] flat
    indices into the batch × t new tokens; logits [n, vocab] at those positions only — the final norm and the
    vocabulary head run on the gathered hidden states, not on every position."""

    def forward(self, input_ids, positions, *past):
        x, present = self.hidden(input_ids, past)
        x = x.reshape(-1, x.shape[-1]).index_select(0, positions)
        return (self.gpt.head(self.gpt.ln(x)), *present)


def export_with_past(model, cfg, path, positions=False):
    """Writes the with-past graph (with the `positions` input if asked); returns model.json's onnx.with_past entry."""
    layers, heads, head_dim = cfg['layers'], cfg['heads'], cfg['dim'] // cfg['heads']
    past_names = [f'past_key_values.{i}.{kv}' for i in range(layers) for kv in ('key', 'value')]
    present_names = [f'present.{i}.{kv}' for i in range(layers) for kv in ('key', 'value')]
    past = [torch.zeros(2, heads, 5, head_dim) for _ in past_names]
    axes = {'input_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'scored'} if positions else {0: 'batch', 1: 'seq'}}
    axes.update({n: {0: 'batch', 2: 'past'} for n in past_names})
    axes.update({n: {0: 'batch', 2: 'total'} for n in present_names})
    if positions:
        axes['positions'] = {0: 'scored'}
        module, example, names = WithPastPositions(model), (torch.zeros(2, 3, dtype=torch.long), torch.tensor([5, 0, 2]), *past), ['input_ids', 'positions']
    else:
        module, example, names = WithPast(model), (torch.zeros(2, 3, dtype=torch.long), *past), ['input_ids']
    torch.onnx.export(module, example, path, input_names=[*names, *past_names], output_names=['logits', *present_names],
                      dynamic_axes=axes, opset_version=14)
    return {'model': path.rsplit('/', 1)[-1], 'layers': layers, 'kv_heads': heads, 'head_dim': head_dim, **({'positions': True} if positions else {})}


def build(cfg):
    torch.manual_seed(cfg['seed'])
    model = TinyGPT(cfg['vocab_size'], cfg['dim'], cfg['layers'], cfg['heads'], cfg['seq_len'])
    # larger-than-default output weights: random models then have confident, varied predictions
    with torch.no_grad():
        model.head.weight.normal_(0, 0.5)
    return model.eval()


def load(out):
    cfg = json.load(open(f'{out}/tiny_gpt.json'))
    model = build(cfg)
    model.load_state_dict(torch.load(f'{out}/weights.pt'))
    return model.eval()


def arg(name, default=None, cast=str):
    if name in sys.argv:
        return cast(sys.argv[sys.argv.index(name) + 1])
    return default


def main():
    cmd, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(int(arg('--threads', 1, int)))
    if cmd == 'export':
        tok_file = arg('--tokenizer')
        tok = json.load(open(tok_file, encoding='utf8'))
        vocab = 1 + max(list(tok['model']['vocab'].values()) + [t['id'] for t in tok.get('added_tokens', [])])
        eot = next((t['id'] for t in tok.get('added_tokens', []) if t['content'] == '<|endoftext|>'), 0)
        cfg = {'seed': arg('--seed', 0, int), 'vocab_size': vocab, 'dim': arg('--dim', 64, int), 'layers': arg('--layers', 2, int),
               'heads': arg('--heads', 4, int), 'seq_len': arg('--seq-len', 128, int)}
        model = build(cfg)
        json.dump(cfg, open(f'{out}/tiny_gpt.json', 'w'))
        torch.save(model.state_dict(), f'{out}/weights.pt')
        shutil.copyfile(tok_file, f'{out}/tokenizer.json')
        example = torch.zeros(2, 8, dtype=torch.long)
        # torch 1.13 exports with grad enabled (no torch.no_grad around export)
        torch.onnx.export(model, (example,), f'{out}/model.onnx', input_names=['input_ids'], output_names=['logits'],
                          dynamic_axes={'input_ids': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch', 1: 'seq'}}, opset_version=14)
        with_past = export_with_past(model, cfg, f'{out}/model_with_past.onnx', '--positions' in sys.argv) if '--with-past' in sys.argv else None
        json.dump({'kind': 'lm', 'benchmark': 'dclm', 'scale': arg('--scale', 'tiny'), 'model': 'tiny-gpt-reference', 'vocab_size': vocab,
                   'seq_len': cfg['seq_len'], 'eot_token_id': eot, 'pad_token_id': eot, 'tokenizer': 'tokenizer.json',
                   'onnx': {'model': 'model.onnx', **({'with_past': with_past} if with_past else {})}}, open(f'{out}/model.json', 'w'), indent=2)
        return
    model = load(out)
    req = json.load(sys.stdin)
    with torch.no_grad():
        if cmd == 'score':
            res = []
            for s in req['sequences']:
                ids = torch.tensor([s['tokens']], dtype=torch.long)
                logits = model(ids)[0]
                idx = torch.arange(s['contStart'], len(s['tokens'])) - 1
                cont_logits = logits.index_select(0, idx)
                targets = ids[0].index_select(0, idx + 1)
                losses = F.cross_entropy(cont_logits, targets, reduction='none')
                res.append({'losses': losses.tolist(), 'predictions': cont_logits.argmax(dim=-1).tolist(),
                            'mean': F.cross_entropy(cont_logits, targets).item()})
            print(json.dumps(res))
        elif cmd == 'generate':
            res = []
            for ctx in req['contexts']:
                ids = list(ctx)
                gen = []
                for _ in range(req['max_new_tokens']):
                    nxt = int(model(torch.tensor([ids], dtype=torch.long))[0, -1].argmax())
                    if nxt == req['eos']:
                        break
                    gen.append(nxt)
                    ids.append(nxt)
                res.append(gen)
            print(json.dumps(res))
        elif cmd == 'suite':
            start, cpu = time.perf_counter(), time.process_time()
            speed_loop(model, req['sequences'], req['batch'])
            generate_cached(model, req['generate'], req['batch'])
            # process_time: CPU seconds of every thread of the process (what a shared machine's load does not inflate)
            print(json.dumps({'seconds': time.perf_counter() - start, 'cpu_seconds': time.process_time() - cpu}))
        elif cmd == 'speed':
            seqs = sorted(req['sequences'], key=len, reverse=True)
            batch = req['batch']
            tokens = 0
            start = time.perf_counter()
            for i in range(0, len(seqs), batch):
                group = seqs[i:i + batch]
                width = len(group[0])
                ids = torch.tensor([s + [0] * (width - len(s)) for s in group], dtype=torch.long)
                logits = model(ids)
                F.log_softmax(logits, dim=-1)
                tokens += sum(len(s) for s in group)
            print(json.dumps({'tokens': tokens, 'seconds': time.perf_counter() - start}))


def speed_loop(model, seqs, batch):
    seqs = sorted(seqs, key=len, reverse=True)
    tokens = 0
    for i in range(0, len(seqs), batch):
        group = seqs[i:i + batch]
        width = len(group[0])
        ids = torch.tensor([s + [0] * (width - len(s)) for s in group], dtype=torch.long)
        F.log_softmax(model(ids), dim=-1)
        tokens += sum(len(s) for s in group)
    return tokens


def generate_cached(model, items, batch):
    wp = WithPast(model)
    heads = model.blocks[0].heads
    head_dim = model.ln.normalized_shape[0] // heads
    by_len = {}
    for it in items:
        by_len.setdefault(len(it['context']), []).append(it)
    for length in sorted(by_len, reverse=True):
        group = by_len[length]
        for i in range(0, len(group), batch):
            rows = group[i:i + batch]
            ids = torch.tensor([r['context'] for r in rows], dtype=torch.long)
            past = [torch.zeros(len(rows), heads, 0, head_dim) for _ in range(2 * len(model.blocks))]
            steps = [r['steps'] for r in rows]
            step = 0
            while rows:
                out = wp(ids, *past)
                nxt = F.log_softmax(out[0][:, -1], dim=-1).argmax(dim=-1)
                step += 1
                keep = [j for j in range(len(rows)) if steps[j] > step]
                rows = [rows[j] for j in keep]
                steps = [steps[j] for j in keep]
                index = torch.tensor(keep, dtype=torch.long)
                past = [p.index_select(0, index) for p in out[1:]]
                ids = nxt.index_select(0, index).unsqueeze(1)


if __name__ == '__main__':
    main()
