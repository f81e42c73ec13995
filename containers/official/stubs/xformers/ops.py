"""`xformers.ops` as open_lm uses it on CPU: SwiGLU in plain torch, with xformers' packed weight names.

xformers' SwiGLU (`_pack_weights=True`, its default) holds `w12` = Linear(in, 2 * hidden) — the gate
rows first, then the value rows — and `w3` = Linear(hidden, out), and computes
`w3(silu(gate) * value)`; open_lm's own `SwiGLUTorch` (ffn_type swiglu_torch) is the same module. A
checkpoint trained with either loads strictly into the other (checked in the smoke tests).
"""

from torch import nn
from torch.nn import functional as F


class SwiGLU(nn.Module):
    def __init__(self, in_features, hidden_features, out_features=None, bias=True):
        super().__init__()
        out_features = out_features or in_features
        self.w12 = nn.Linear(in_features, 2 * hidden_features, bias=bias)
        self.w3 = nn.Linear(hidden_features, out_features, bias=bias)

    def forward(self, x):
        gate, value = self.w12(x).chunk(2, dim=-1)
        return self.w3(F.silu(gate) * value)


class LowerTriangularMask:
    """Only referenced by open_lm's xformers_attn, which a CPU run never calls."""


def memory_efficient_attention(*_args, **_kwargs):
    raise RuntimeError("xformers is not installed in this CPU image: use --attn-name torch_attn (or auto, which picks it on CPU)")
