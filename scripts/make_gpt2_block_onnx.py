#!/usr/bin/env python3
"""Writes one GPT-2-like transformer block as an ONNX graph (the file `wafersim graph` and the
ONNX import test read; the build regenerates it into build/workloads/gpt2-block.onnx).

The block is the one workloads/gpt2-block.yaml describes (pre-norm, LayerNorm, biases, GeLU MLP
of 4 x d_model, causal multi-head attention), written the way an exporter with fused kernels
writes it:

  x -> LayerNormalization -> Q/K/V MatMul + bias Add -> Reshape/Transpose to heads
    -> MatMul(Q, K^T) -> Div by sqrt(head_dim) -> Add causal mask -> Softmax -> MatMul(., V)
    -> Transpose/Reshape back -> MatMul + bias Add -> residual Add
    -> LayerNormalization -> MatMul + bias Add -> Gelu -> MatMul + bias Add -> residual Add

Gelu is the com.microsoft contrib op (ONNX Runtime's fused GeLU; the default domain has Gelu
only from opset 20, newer than Debian 12's onnx 1.12). Only the graph input and output have
shapes (concrete ones); wafersim's import infers the rest. The file passes onnx.checker.

Usage: make_gpt2_block_onnx.py OUT.onnx [--d-model 256 --heads 4 --ffn 1024 --sequence 128 --batch 1]
"""
import argparse
import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(d_model, heads, ffn, sequence, batch, seed=0):
    if d_model % heads:
        raise SystemExit(f"d_model {d_model} is not a multiple of heads {heads}")
    hd = d_model // heads
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def weight(name, *shape, value=None):
        a = value if value is not None else (rng.standard_normal(shape) * 0.02)
        inits.append(numpy_helper.from_array(np.asarray(a, dtype=np.float32), name))
        return name

    def const_i64(name, values):
        inits.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
        return name

    def node(op, inputs, name, domain=None, **attrs):
        out = name + "_out"
        nodes.append(helper.make_node(op, inputs, [out], name=name, domain=domain, **attrs))
        return out

    def layernorm(x, name):
        return node("LayerNormalization", [x, weight(name + ".weight", d_model, value=np.ones(d_model)),
                                           weight(name + ".bias", d_model, value=np.zeros(d_model))],
                    name, axis=-1, epsilon=1e-5)

    def linear(x, name, k, n):
        y = node("MatMul", [x, weight(name + ".weight", k, n)], name)
        return node("Add", [y, weight(name + ".bias", n, value=np.zeros(n))], name + ".bias")

    heads_shape = const_i64("heads_shape", [batch, sequence, heads, hd])
    model_shape = const_i64("model_shape", [batch, sequence, d_model])

    def split_heads(x, name, transpose_last=False):
        r = node("Reshape", [x, heads_shape], name + ".reshape")
        perm = [0, 2, 3, 1] if transpose_last else [0, 2, 1, 3]
        return node("Transpose", [r], name + ".transpose", perm=perm)

    x = "x"
    ln1 = layernorm(x, "L0.ln1")
    q = split_heads(linear(ln1, "L0.attn.q_proj", d_model, d_model), "L0.attn.q")
    kt = split_heads(linear(ln1, "L0.attn.k_proj", d_model, d_model), "L0.attn.k", transpose_last=True)
    v = split_heads(linear(ln1, "L0.attn.v_proj", d_model, d_model), "L0.attn.v")
    scores = node("MatMul", [q, kt], "L0.attn.scores")
    scaled = node("Div", [scores, weight("L0.attn.scale", value=np.float32(math.sqrt(hd)))], "L0.attn.scale_div")
    mask = np.triu(np.full((sequence, sequence), -1e4, dtype=np.float32), k=1)
    masked = node("Add", [scaled, weight("L0.attn.causal_mask", value=mask)], "L0.attn.mask_add")
    probs = node("Softmax", [masked], "L0.attn.softmax", axis=-1)
    ctx = node("MatMul", [probs, v], "L0.attn.context")
    ctx = node("Transpose", [ctx], "L0.attn.merge.transpose", perm=[0, 2, 1, 3])
    ctx = node("Reshape", [ctx, model_shape], "L0.attn.merge.reshape")
    o = linear(ctx, "L0.attn.o_proj", d_model, d_model)
    r1 = node("Add", [o, x], "L0.residual1")
    ln2 = layernorm(r1, "L0.ln2")
    up = linear(ln2, "L0.ffn.up", d_model, ffn)
    act = node("Gelu", [up], "L0.ffn.gelu", domain="com.microsoft")
    down = linear(act, "L0.ffn.down", ffn, d_model)
    y = node("Add", [down, r1], "L0.residual2")
    nodes.append(helper.make_node("Identity", [y], ["y"], name="output"))

    shape = [batch, sequence, d_model]
    graph = helper.make_graph(nodes, "gpt2-block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
    model = helper.make_model(graph, producer_name="wafersim/scripts/make_gpt2_block_onnx.py",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model  # without inferred shapes: the importer's own shape inference fills them in


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--d-model", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=1024)
    p.add_argument("--sequence", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    a = p.parse_args()
    onnx.save(build(a.d_model, a.heads, a.ffn, a.sequence, a.batch), a.out)


if __name__ == "__main__":
    main()
