"""ONNX export (torch 1.13, opset 14) with the checks that can run without an ONNX runtime.

The export runs with autograd enabled: under torch.no_grad() torch 1.13's exporter fails on attention
blocks. Before a graph is written, the traced module (what the exporter converts) must reproduce the
eager outputs; the file then records the example inputs and the torch outputs (`reference.json`), which
the harness replays in onnxruntime and compares (≤ 1e-4)."""

import base64
import os
import warnings

import numpy as np
import torch

OPSET = 14


def encode_array(array):
    array = np.ascontiguousarray(array)
    dtype = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}[array.dtype]
    return {"dtype": dtype, "shape": list(array.shape), "base64": base64.b64encode(array.astype("<" + array.dtype.str[1:]).tobytes()).decode("ascii")}


def export_onnx(module, example, path, input_name, output_name, dynamic_axes):
    """Exports `module(example)` to `path`; returns {"inputs", "outputs"} for reference.json."""
    module = module.eval()
    with torch.enable_grad():
        eager = module(example).detach()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(module, (example,), check_trace=False)
            replay = traced(example).detach()
        error = float((eager - replay).abs().max())
        if not error <= 1e-5:
            raise RuntimeError("export of %s: the traced graph differs from the model by %g" % (os.path.basename(path), error))
        out_axes = {k: v for k, v in dynamic_axes.items() if k < eager.dim()}
        if input_name == "input_ids":
            out_axes = {0: "batch", 1: "seq"}
        tmp = path + ".tmp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                tmp,
                input_names=[input_name],
                output_names=[output_name],
                dynamic_axes={input_name: dynamic_axes, output_name: out_axes},
                opset_version=OPSET,
                do_constant_folding=True,
            )
        os.replace(tmp, path)
    return {"inputs": {input_name: encode_array(example.cpu().numpy())}, "outputs": {output_name: encode_array(eager.cpu().numpy())}}


def export_lm_with_past(model, layers, heads, head_dim, vocab_size, path, wrap=None):
    """Exports the with-past graph of an LM (docs/contracts.md: input_ids + positions + past_key_values.{i}.key/value
    → logits + present.{i}.key/value) to `path`. The example has a past of 5 positions and 3 new tokens in 2 rows,
    and asks for the logits at 4 of the 6 new positions, out of order; the batch, new-token, past and position axes
    are dynamic (a past of 0 positions computes a prefix from nothing). `wrap(model)` builds the module (default:
    gpt_model.GptWithPastPositions; its forward is (input_ids, positions, *past) and it must have
    `hidden(input_ids, past)`). Before the file is kept, its logits must equal the plain model's on the whole
    sequence at those positions (≤ 1e-4). Returns (reference.json entry, model.json `onnx.with_past`)."""
    if wrap is None:
        from .gpt_model import GptWithPastPositions as wrap

    module = wrap(model).eval()
    gen = torch.Generator().manual_seed(4321)
    past_names = ["past_key_values.%d.%s" % (i, kv) for i in range(layers) for kv in ("key", "value")]
    present_names = ["present.%d.%s" % (i, kv) for i in range(layers) for kv in ("key", "value")]
    ids = torch.randint(0, vocab_size, (2, 3), generator=gen)
    positions = torch.tensor([5, 0, 2, 3])
    # a real past: the model's own keys/values of 5 random tokens, so the reference exercises attention over it
    prefix = torch.randint(0, vocab_size, (2, 5), generator=gen)
    empty = [torch.zeros(2, heads, 0, head_dim) for _ in past_names]
    with torch.no_grad():
        past = [t.contiguous() for t in module.hidden(prefix, empty)[1]]
    example = (ids, positions, *past)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "positions": {0: "scored"}, "logits": {0: "scored"}}
    axes.update({n: {0: "batch", 2: "past"} for n in past_names})
    axes.update({n: {0: "batch", 2: "total"} for n in present_names})
    with torch.enable_grad():
        eager = [t.detach() for t in module(*example)]
        tmp = path + ".tmp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, example, tmp, input_names=["input_ids", "positions", *past_names], output_names=["logits", *present_names],
                              dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
        os.replace(tmp, path)
    # the whole sequence through the plain model must give the same logits at those positions (the contract's promise)
    with torch.no_grad():
        full = model(torch.cat([prefix, ids], dim=1))[:, 5:].reshape(-1, eager[0].shape[-1]).index_select(0, positions)
    error = float((full - eager[0]).abs().max())
    if not error <= 1e-4:
        raise RuntimeError("export of %s: with-past logits differ from the plain model's by %g" % (os.path.basename(path), error))
    inputs = {"input_ids": encode_array(ids.numpy()), "positions": encode_array(positions.numpy())}
    inputs.update({n: encode_array(t.numpy()) for n, t in zip(past_names, past)})
    outputs = {"logits": encode_array(eager[0].numpy())}
    outputs.update({n: encode_array(t.numpy()) for n, t in zip(present_names, eager[1:])})
    entry = {"model": os.path.basename(path), "layers": layers, "kv_heads": heads, "head_dim": head_dim, "positions": True}
    return {"inputs": inputs, "outputs": outputs}, entry
