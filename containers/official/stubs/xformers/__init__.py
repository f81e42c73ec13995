"""Import stub of xformers for the CPU smoke image of open_lm (docs/official.md, "Smoke runs").

open_lm 9bb92ef imports `xformers.ops` at module level (attention.py, model.py) whatever `--attn-name`
says, and xformers is not in Debian. On CPU, `--attn-name auto` picks torch_attn, so the only part of
xformers a CPU run uses is `xformers.ops.SwiGLU` (open_lm's default `--ffn-type swiglu`): `ops.py`
implements it in plain torch with xformers' weight names.
"""
