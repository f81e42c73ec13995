"""A small open_lm-style decoder (docs/containers.md, "The tiny trainers")."""

import math

import torch
from torch import nn
from torch.nn import functional as F

from .layers import GainLayerNorm, attention, causal_mask, rotary


def swiglu_hidden(dim):
    """open_lm's SwiGLU width: 256·⌈(8d/3)/256⌉."""
    return 256 * ((int(2 * 4 * dim / 3) + 256 - 1) // 256)


class Attention(nn.Module):
    def __init__(self, dim, heads, qk_norm):
        super().__init__()
        self.heads = heads
        self.in_proj = nn.Linear(dim, 3 * dim, bias=False)
        self.out_proj = nn.Linear(dim, dim, bias=False)
        self.q_norm = GainLayerNorm(dim) if qk_norm else nn.Identity()
        self.k_norm = GainLayerNorm(dim) if qk_norm else nn.Identity()

    def forward(self, x, mask, past=None):
        """past: (key, value) [batch, heads, p, head_dim] of the earlier positions, or None. Returns the
        output and this layer's (key, value) over past and new positions."""
        b, t, d = x.shape
        q, k, v = self.in_proj(x).chunk(3, dim=-1)
        q, k = self.q_norm(q), self.k_norm(k)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = q.reshape(shape), k.reshape(shape), v.reshape(shape)
        offset = 0 if past is None else past[0].shape[2]
        q, k = rotary(q, offset), rotary(k, offset)
        k, v = k.transpose(1, 2), v.transpose(1, 2)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        y = attention(q.transpose(1, 2), k, v, mask)
        return self.out_proj(y.transpose(1, 2).reshape(b, t, d)), (k, v)


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w12 = nn.Linear(dim, 2 * hidden, bias=False)
        self.w3 = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        x1, x2 = self.w12(x).chunk(2, dim=-1)
        return self.w3(F.silu(x1) * x2)


class Block(nn.Module):
    def __init__(self, dim, heads, qk_norm, layer_id):
        super().__init__()
        self.attention_norm = GainLayerNorm(dim)
        self.attention = Attention(dim, heads, qk_norm)
        self.ffn_norm = GainLayerNorm(dim)
        self.feed_forward = SwiGLU(dim, swiglu_hidden(dim))
        # open_lm's initialisation: truncated normal, std 1/√d, output projections scaled by depth
        std = 1.0 / math.sqrt(dim)
        out_std = std / math.sqrt(2 * (layer_id + 1))
        nn.init.trunc_normal_(self.attention.in_proj.weight, std=std, a=-3 * std, b=3 * std)
        nn.init.trunc_normal_(self.attention.out_proj.weight, std=out_std, a=-3 * out_std, b=3 * out_std)
        nn.init.trunc_normal_(self.feed_forward.w12.weight, std=std, a=-3 * std, b=3 * std)
        hidden_std = 1.0 / math.sqrt(swiglu_hidden(dim))
        out_std = hidden_std / math.sqrt(2 * (layer_id + 1))
        nn.init.trunc_normal_(self.feed_forward.w3.weight, std=out_std, a=-3 * out_std, b=3 * out_std)

    def forward(self, x, mask, past=None):
        h, present = self.attention(self.attention_norm(x), mask, past)
        x = x + h
        return x + self.feed_forward(self.ffn_norm(x)), present


class Gpt(nn.Module):
    """input_ids [batch, seq] → logits [batch, seq, vocab]. Untied embedding and head, no biases."""

    def __init__(self, cfg):
        super().__init__()
        dim = cfg["hidden_dim"]
        if cfg.get("weight_tying"):
            raise ValueError("weight tying is not implemented (every DCLM recipe has it off)")
        self.tok_embeddings = nn.Embedding(cfg["vocab_size"], dim)
        self.layers = nn.ModuleList([Block(dim, cfg["n_heads"], bool(cfg.get("qk_norm")), i) for i in range(cfg["n_layers"])])
        self.norm = GainLayerNorm(dim)
        self.output = nn.Linear(dim, cfg["vocab_size"], bias=False)
        std = 1.0 / math.sqrt(dim)
        nn.init.trunc_normal_(self.tok_embeddings.weight, std=std, a=-3 * std, b=3 * std)
        nn.init.trunc_normal_(self.output.weight, std=std, a=-3 * std, b=3 * std)

    def forward(self, input_ids):
        x = self.tok_embeddings(input_ids)
        mask = causal_mask(input_ids.shape[1], x.device)
        for layer in self.layers:
            x = layer(x, mask)[0]
        return self.output(self.norm(x))


class GptWithPast(nn.Module):
    """The with-past graph of docs/contracts.md: (input_ids [b, t], past_key_values.{i}.key/.value
    [b, heads, p, head_dim] for every layer) → (logits [b, t, vocab], present.{i}.key/.value
    [b, heads, p + t, head_dim]). The new tokens are at positions p … p + t − 1, see all p past ones and
    each other causally: the logits equal Gpt's on the whole sequence."""

    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def hidden(self, input_ids, past):
        """The last block's hidden states [b, t, dim] (before the final norm) and the present keys/values."""
        g = self.gpt
        t, p = input_ids.shape[1], past[0].shape[2]
        x = g.tok_embeddings(input_ids)
        # additive [t, p + t] mask: row i (position p + i) sees columns ≤ p + i
        mask = torch.triu(torch.full((t, p + t), float("-inf"), device=x.device), diagonal=p + 1)
        present = []
        for i, layer in enumerate(g.layers):
            x, kv = layer(x, mask, (past[2 * i], past[2 * i + 1]))
            present.extend(kv)
        return x, present

    def forward(self, input_ids, *past):
        x, present = self.hidden(input_ids, past)
        return (self.gpt.output(self.gpt.norm(x)), *present)


class GptWithPastPositions(GptWithPast):
    """GptWithPast with the `positions` input (docs/contracts.md, with_past `positions: true`): (input_ids,
    positions int64 [n], past…) → (logits [n, vocab], present…). `positions` are flat indices into the
    b × t new tokens (row r's token j is r·t + j); the final norm and the vocabulary head run on those n
    hidden states only — scoring needs the logits where a continuation token is predicted, not everywhere."""

    def forward(self, input_ids, positions, *past):
        x, present = self.hidden(input_ids, past)
        x = x.reshape(-1, x.shape[-1]).index_select(0, positions)
        return (self.gpt.output(self.gpt.norm(x)), *present)


def lm_loss(logits, targets, z_loss):
    """Cross-entropy + z-loss (open_lm's CrossEntropyLossWithZLoss): CE + z·mean(logsumexp(logits)²)."""
    flat = logits.reshape(-1, logits.shape[-1])
    loss = F.cross_entropy(flat, targets.reshape(-1))
    if z_loss:
        loss = loss + z_loss * torch.logsumexp(flat, dim=-1).pow(2).mean()
    return loss
