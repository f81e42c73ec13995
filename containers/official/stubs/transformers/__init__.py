"""Import stub of transformers for the CPU smoke image of open_lm (docs/official.md, "Smoke runs").

open_lm.main imports `open_lm.utils.transformers.hf_wrapper`, which imports `AutoModelForCausalLM` at
module level; it is only used with `--hf-model`, which dcbench never passes. transformers is not in
Debian's trixie with a matching torch, so the name is a placeholder that fails loudly if used.
"""


class AutoModelForCausalLM:
    @classmethod
    def from_pretrained(cls, *_args, **_kwargs):
        raise RuntimeError("transformers is not installed in this CPU image; --hf-model is not supported here")
