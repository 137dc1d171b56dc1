#!/usr/bin/python3
"""Writes the seed corpus of onnx_fuzzer (tests/fuzz/seeds-onnx/): small ONNX models that load, and
a few that are slightly wrong, each a few KB. Run with Debian's python3 (python3-onnx, onnx 1.12):

  /usr/bin/python3 tests/fuzz/make_onnx_seeds.py tests/fuzz/seeds-onnx

- gpt2-block-tiny: scripts/make_gpt2_block_onnx.py's block (the one the ONNX import test reads) at
  d_model 8, 2 heads, FFN 16, sequence 4: LayerNorm, MatMul + bias Add, Reshape/Transpose, scaled
  and masked Softmax, com.microsoft Gelu, residual Adds.
- matmul-relu, symbolic-batch: tests/compiler/onnx_test.cpp's tiny_model, the second with the
  symbolic dimension "batch" (onnx_fuzzer gives batch=2, sequence=8).
- gemm-bias: Gemm with transA and a bias C; embedding: Gather from a table by int64 token ids, then
  LayerNormalization and a tied MatMul; constant-shape: Constant / Shape feeding a Reshape.
- Slightly wrong: unsupported (Hardmax, NonZero), not-topological (a node reads a later output),
  truncated (gpt2-block-tiny cut in the middle), no-nodes.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.dont_write_bytecode = True  # nothing written next to scripts/
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import make_gpt2_block_onnx  # noqa: E402


def model(nodes, inputs, outputs, inits=(), name="seed", opset=17):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, producer_name="wafersim/tests/fuzz/make_onnx_seeds.py",
                          opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 8
    return m


def f32(name, *shape, value=0.5):
    return numpy_helper.from_array(np.full(shape, value, dtype=np.float32), name)


def tiny(dim0):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [dim0, 4, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"), helper.make_node("Relu", ["h"], ["y"], name="act")]
    return model(nodes, [x], [y], [f32("w", 8, 16)], name="tiny")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    block = make_gpt2_block_onnx.build(8, 2, 16, 4, 1)
    seeds["gpt2-block-tiny"] = block.SerializeToString()
    seeds["matmul-relu"] = tiny(2).SerializeToString()
    seeds["symbolic-batch"] = tiny("batch").SerializeToString()

    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [8, 4])
    seeds["gemm-bias"] = model([helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="L1.fc", transA=1)], [a],
                               [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                               [f32("b", 8, 16), f32("c", 16)]).SerializeToString()

    ids = helper.make_tensor_value_info("ids", TensorProto.INT64, [2, "sequence"])
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"], name="embed"),
             helper.make_node("LayerNormalization", ["e", "g", "b"], ["n"], name="layers.0.ln", axis=-1),
             helper.make_node("Transpose", ["table"], ["tt"], name="head.t", perm=[1, 0]),
             helper.make_node("MatMul", ["n", "tt"], ["logits"], name="lm_head"),
             helper.make_node("Softmax", ["logits"], ["p"], name="softmax", axis=-1)]
    seeds["embedding"] = model(nodes, [ids], [helper.make_tensor_value_info("p", TensorProto.FLOAT, None)],
                               [f32("table", 10, 8), f32("g", 8, value=1), f32("b", 8, value=0)]).SerializeToString()

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])
    nodes = [helper.make_node("Constant", [], ["shape"], name="c", value=numpy_helper.from_array(np.array([6, 4], dtype=np.int64))),
             helper.make_node("Reshape", ["x", "shape"], ["r"], name="h.0.reshape"),
             helper.make_node("MatMul", ["r", "w"], ["m"], name="h.0.mm"),
             helper.make_node("Shape", ["m"], ["s"], name="shape_of"),
             helper.make_node("Mul", ["m", "k"], ["y"], name="blocks.1.scale")]
    seeds["constant-shape"] = model(nodes, [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                                    [f32("w", 4, 5), f32("k", 1, value=2)]).SerializeToString()

    m = tiny(2)
    m.graph.node.append(helper.make_node("Hardmax", ["y"], ["k"], name="pick"))
    m.graph.node.append(helper.make_node("NonZero", ["k"], ["z"], name="nz"))
    seeds["unsupported"] = m.SerializeToString()
    m = tiny(2)
    m.graph.node.reverse()
    seeds["not-topological"] = m.SerializeToString()
    b = block.SerializeToString()
    seeds["truncated"] = b[: len(b) // 2]
    m = tiny(2)
    del m.graph.node[:]
    seeds["no-nodes"] = m.SerializeToString()

    for name, data in seeds.items():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
