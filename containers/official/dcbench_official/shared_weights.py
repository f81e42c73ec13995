"""Several ONNX graphs over one external-data file (docs/contracts.md, "Shared weights"; docs/official.md).

An LM's logits graph and its with-past graph are traced from the same open_lm module, so they hold the
same weights; saved with ONNX's own external data each graph would carry all of them (a 411M-parameter
model: ~1.6 GB per graph in fp32, 3.2 GB in the folder and in every upload). Here the initializers of
both graphs go into one file, each distinct byte string once: a tensor whose bytes equal those of one
already written points at the same offset and length. Equality is decided on the bytes themselves (a
sha256 finds the candidate, a byte-for-byte comparison with what the file holds decides), never on names
alone — two traces name some folded constants differently (`onnx::MatMul_N`), and a name could be reused
for other bytes. Each graph protobuf then holds only its structure and the tensors under
MIN_EXTERNAL_BYTES.
"""

import hashlib
import os

SHARED_WEIGHTS = "weights.bin"
# tensors start on page boundaries, where onnxruntime can map them instead of copying
ALIGN = 4096
# as onnx.save_model's size_threshold (what the per-graph external data used): smaller tensors stay inline
MIN_EXTERNAL_BYTES = 1024


def initializers(graph):
    """Every initializer of a graph and of its subgraphs (If/Loop bodies), as onnx's external-data helper walks them."""
    from onnx import AttributeProto

    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == AttributeProto.GRAPH:
                yield from initializers(attr.g)
            elif attr.type == AttributeProto.GRAPHS:
                for sub in attr.graphs:
                    yield from initializers(sub)


def _point(tensor, location, offset, length):
    from onnx import TensorProto

    tensor.ClearField("raw_data")
    del tensor.external_data[:]
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value


def _write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_shared(sources, folder, name=SHARED_WEIGHTS):
    """Writes the ONNX graphs `sources` (paths, each with whatever external data it has) into `folder` under
    their base names, every initializer of MIN_EXTERNAL_BYTES or more in `folder/name`, each distinct byte
    string once. The data file and each graph are written to a temp name and renamed. Then every graph is
    loaded back from `folder` with its external data and each initializer's bytes must hash as before the
    rewrite (same graph + same bytes: onnxruntime's outputs are those of the graph as traced; the harness
    replays torch's reference outputs on the written folder). Returns {"graphs": [names], "bytes": size of
    the data file, "tensor_bytes": the bytes the graphs' tensors would take written apart}."""
    import onnx

    data_path = os.path.join(folder, name)
    tmp = os.path.join(folder, "." + name + ".tmp")
    written = {}  # sha256 → [(offset, length)] of byte strings in the file
    expected = {}  # graph → [(tensor name, sha256)]
    models = []
    offset = tensor_bytes = 0
    with open(tmp, "w+b") as f:
        for source in sources:
            graph = os.path.basename(source)
            model = onnx.load(source, load_external_data=True)
            for tensor in initializers(model.graph):
                if not tensor.HasField("raw_data") or len(tensor.raw_data) < MIN_EXTERNAL_BYTES:
                    continue
                data = tensor.raw_data
                digest = hashlib.sha256(data).hexdigest()
                tensor_bytes += len(data)
                at = None
                for prior, length in written.get(digest, []):
                    f.flush()
                    f.seek(prior)
                    if length == len(data) and f.read(length) == data:
                        at = prior
                        break
                f.seek(offset)
                if at is None:
                    at = -(-offset // ALIGN) * ALIGN
                    f.write(b"\0" * (at - offset))
                    f.write(data)
                    offset = at + len(data)
                    written.setdefault(digest, []).append((at, len(data)))
                expected.setdefault(graph, []).append((tensor.name, digest))
                _point(tensor, name, at, len(data))
            models.append((graph, model))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, data_path)
    for graph, model in models:
        _write_atomic(os.path.join(folder, graph), model.SerializeToString())
    del models
    for graph, tensors in expected.items():
        path = os.path.join(folder, graph)
        onnx.checker.check_model(path)
        # the same walk, in the same order (names may repeat across subgraphs): loaded back, the tensors
        # written out are again those with MIN_EXTERNAL_BYTES or more of raw_data
        loaded = [t for t in initializers(onnx.load(path, load_external_data=True).graph) if t.HasField("raw_data") and len(t.raw_data) >= MIN_EXTERNAL_BYTES]
        if len(loaded) != len(tensors):
            raise RuntimeError("%s: %d tensors read back from %s, %d written" % (graph, len(loaded), name, len(tensors)))
        for tensor, (tensor_name, digest) in zip(loaded, tensors):
            got = hashlib.sha256(tensor.raw_data).hexdigest()
            if tensor.name != tensor_name or got != digest:
                raise RuntimeError("%s: initializer %s reads back from %s as %s with sha256 %s, written with %s" % (graph, tensor_name, name, tensor.name, got, digest))
    return {"graphs": [os.path.basename(s) for s in sources], "bytes": os.path.getsize(data_path), "tensor_bytes": tensor_bytes}
