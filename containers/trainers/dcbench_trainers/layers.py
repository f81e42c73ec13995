"""Transformer pieces written out with plain tensor ops (no nn.MultiheadAttention /
nn.TransformerEncoder): their fast paths do not export to ONNX with torch 1.13, and written out the
graphs are exactly what the docs describe."""

import math

import torch
from torch import nn
from torch.nn import functional as F


def causal_mask(length, device):
    """Additive [length, length] mask: -inf above the diagonal. Built from the runtime length, so the
    exported graph accepts any sequence length (ONNX Trilu, opset 14)."""
    return torch.triu(torch.full((length, length), float("-inf"), device=device), diagonal=1)


def attention(q, k, v, mask):
    """q, k, v: [batch, heads, seq, head_dim]."""
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    return torch.matmul(torch.softmax(scores, dim=-1), v)


class SelfAttention(nn.Module):
    """open_clip-style attention: in_proj with bias, out_proj with bias."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.in_proj = nn.Linear(width, 3 * width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, mask=None):
        b, t, d = x.shape
        q, k, v = self.in_proj(x).chunk(3, dim=-1)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (y.reshape(shape).transpose(1, 2) for y in (q, k, v))
        y = attention(q, k, v, mask).transpose(1, 2).reshape(b, t, d)
        return self.out_proj(y)


class ResidualBlock(nn.Module):
    """Pre-norm block: x + attn(ln_1(x)); x + mlp(ln_2(x)), GELU MLP of 4× width (open_clip)."""

    def __init__(self, width, heads, mlp_ratio=4):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = SelfAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, width * mlp_ratio), nn.GELU(), nn.Linear(width * mlp_ratio, width))

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class GainLayerNorm(nn.Module):
    """open_lm's gain_only_lp_layer_norm: LayerNorm with a gain and no bias."""

    def __init__(self, width, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps
        self.width = width

    def forward(self, x):
        return F.layer_norm(x, (self.width,), self.weight, None, self.eps)


def rotary(x, offset=0):
    """Rotary positions on the head dimension of x: [batch, seq, heads, head_dim] (open_lm's
    RotaryWithCast: base 10000, rotate-half layout), for positions offset … offset + seq − 1 (offset: the
    past length of the with-past graph). cos/sin come from the runtime length."""
    t, dim = x.shape[1], x.shape[-1]
    inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2, device=x.device, dtype=torch.float32) / dim))
    freqs = torch.outer(torch.arange(offset, offset + t, device=x.device, dtype=torch.float32), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = emb.cos()[None, :, None, :]
    sin = emb.sin()[None, :, None, :]
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin
