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
