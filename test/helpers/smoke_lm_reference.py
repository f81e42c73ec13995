"""PyTorch side of the smoke LM's per-example comparison (test/integration/official/smoke-runs.test.ts).

Runs inside the official lm smoke image with the smoke run folder mounted at /out (where the run's
upstream_args point). Builds the model with open_lm 9bb92ef's own parse_args + create_model from the
run's exact argument list, loads the run's last checkpoint strictly, and scores each token sequence as
llm-foundry's ICL metrics read a causal LM: for continuation token t at position p, the cross-entropy of
logits[p - 1] against t and the argmax of logits[p - 1]. Input (stdin, JSON): {"args": [...],
"checkpoint": PATH, "sequences": [{"tokens": [...], "cont_start": N}, ...]}. Output (stdout, JSON): per
sequence {"losses", "predictions", "margins"} (margins: top-1 minus top-2 logit at each position).
"""
import json
import sys

import torch
import torch.nn.functional as F
from open_lm.model import create_model
from open_lm.params import parse_args

request = json.load(sys.stdin)
args = parse_args(request['args'])
model = create_model(args)
state = torch.load(request['checkpoint'], map_location='cpu')['state_dict']
state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
model.load_state_dict(state, strict=True)
model.eval()

out = []
with torch.no_grad():
    for seq in request['sequences']:
        ids = torch.tensor([seq['tokens']], dtype=torch.long)
        logits = model(ids)[0][0].float()
        start = seq['cont_start']
        prev = logits[start - 1:len(seq['tokens']) - 1]
        target = ids[0, start:]
        losses = F.cross_entropy(prev, target, reduction='none')
        top2 = torch.topk(prev, 2, dim=-1).values
        out.append({
            'losses': losses.tolist(),
            'predictions': prev.argmax(dim=-1).tolist(),
            'margins': (top2[:, 0] - top2[:, 1]).tolist(),
        })
json.dump(out, sys.stdout)
