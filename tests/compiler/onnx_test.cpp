// ONNX import: the GPT-2-like block that scripts/make_gpt2_block_onnx.py writes against the YAML
// description of the same block (workloads/gpt2-block.yaml) and a hand count; files that are not
// ONNX, unsupported ops and symbolic dimensions against their errors.
#include <gtest/gtest.h>

#include <chrono>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "compiler/graph.hpp"
#include "compiler/model_spec.hpp"
#include "compiler/onnx_import.hpp"
#include "core/input_error.hpp"

namespace wafersim::compiler {
namespace {

const std::string kBlockOnnx = WAFERSIM_GPT2_BLOCK_ONNX;

struct LayerTotals {
  std::map<OpKind, std::size_t> count;
  std::map<OpKind, double> flops;
  std::int64_t params = 0;
};

// The ops of layer 0 in one phase: the block, whatever else (embedding, head) the graph holds.
LayerTotals block_of(const Graph& g, Phase phase) {
  LayerTotals t;
  for (std::size_t v = 0; v < g.size(); ++v) {
    const Op& op = g.op(v);
    if (op.phase != phase || op.layer != 0) continue;
    ++t.count[op.kind];
    t.flops[op.kind] += op.flops;
    t.params += op.params;
  }
  return t;
}

std::string error_of(const std::filesystem::path& file, const OnnxImportOptions& options = {}) {
  try {
    import_onnx(file, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::filesystem::path temp_file(const std::string& name) { return std::filesystem::temp_directory_path() / ("wafersim_onnx_test_" + name); }

TEST(OnnxImport, Gpt2BlockMatchesTheYamlDescriptionOfTheSameBlock) {
  const Graph onnx = import_onnx(kBlockOnnx);
  const Graph yaml = Graph::build(ModelSpec::load(std::string(WAFERSIM_SOURCE_DIR) + "/workloads/gpt2-block.yaml"));
  EXPECT_EQ(onnx.tokens(), yaml.tokens());
  for (const Phase phase : {Phase::kForward, Phase::kBackward, Phase::kOptimizer}) {
    LayerTotals a = block_of(onnx, phase), b = block_of(yaml, phase);
    for (const OpKind kind : {OpKind::kMatMul, OpKind::kAttnMatMul, OpKind::kElementwise, OpKind::kOptimizer}) {
      EXPECT_EQ(a.count[kind], b.count[kind]) << to_string(phase) << " " << to_string(kind);
      EXPECT_DOUBLE_EQ(a.flops[kind], b.flops[kind]) << to_string(phase) << " " << to_string(kind);
    }
    EXPECT_EQ(a.params, b.params) << to_string(phase);
  }
}

TEST(OnnxImport, Gpt2BlockAgainstAHandCount) {
  // d 256, 4 heads of 64, FFN 1024, 128 tokens (scripts/make_gpt2_block_onnx.py defaults).
  const double T = 128, d = 256, f = 1024, S = 128, H = 4, hd = 64;
  const Graph g = import_onnx(kBlockOnnx);
  EXPECT_EQ(g.tokens(), 128);
  EXPECT_EQ(g.count(Phase::kForward, OpKind::kMatMul), 6u);      // q, k, v, o, up, down
  EXPECT_EQ(g.count(Phase::kForward, OpKind::kAttnMatMul), 2u);  // scores, context
  // 2 LayerNorms, 6 bias adds, softmax (scale and mask folded in), GeLU, 2 residual adds.
  EXPECT_EQ(g.count(Phase::kForward, OpKind::kElementwise), 12u);
  EXPECT_DOUBLE_EQ(g.flops(Phase::kForward, OpKind::kMatMul), 2 * T * (4 * d * d + 2 * d * f));
  EXPECT_DOUBLE_EQ(g.flops(Phase::kForward, OpKind::kAttnMatMul), 2 * (2 * H * S * S * hd));
  EXPECT_DOUBLE_EQ(g.flops(Phase::kBackward, OpKind::kMatMul), 2 * g.flops(Phase::kForward, OpKind::kMatMul));
  // Weights 4 d^2 + 2 d f, biases 4 d + f + d, LayerNorms 2 x 2 d.
  EXPECT_EQ(g.params(), static_cast<std::int64_t>(4 * d * d + 2 * d * f + 5 * d + f + 4 * d));
  EXPECT_EQ(g.count(Phase::kOptimizer, OpKind::kOptimizer), 6u + 6u + 2u);  // every op that owns parameters
}

TEST(OnnxImport, InferenceModeHasForwardOnly) {
  OnnxImportOptions o;
  o.mode = Mode::kInference;
  const Graph g = import_onnx(kBlockOnnx, o);
  EXPECT_EQ(g.flops(Phase::kBackward), 0.0);
  EXPECT_EQ(g.flops(Phase::kOptimizer), 0.0);
}

TEST(OnnxImport, AFileThatIsNotOnnxIsOneClearError) {
  const auto text = temp_file("text.onnx");
  std::ofstream(text) << "name: gpt2-small\nd_model: 768\n";
  EXPECT_NE(error_of(text).find("not an ONNX model"), std::string::npos) << error_of(text);
  EXPECT_NE(error_of(text).find(text.string()), std::string::npos);
  const auto empty = temp_file("empty.onnx");
  std::ofstream{empty};
  EXPECT_NE(error_of(empty).find("not an ONNX model"), std::string::npos) << error_of(empty);
  EXPECT_NE(error_of(temp_file("missing.onnx")).find("cannot open"), std::string::npos);
  std::filesystem::remove(text);
  std::filesystem::remove(empty);
}

// A tiny model built with ONNX's own protobuf classes: x [dim0, 4, 8] -> nodes.
onnx::ModelProto tiny_model(const std::string& dim0) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  auto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  auto* d0 = tt->mutable_shape()->add_dim();
  if (dim0.empty()) d0->set_dim_value(2); else d0->set_dim_param(dim0);
  tt->mutable_shape()->add_dim()->set_dim_value(4);
  tt->mutable_shape()->add_dim()->set_dim_value(8);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto_DataType_FLOAT);
  w->add_dims(8);
  w->add_dims(16);
  for (int i = 0; i < 8 * 16; ++i) w->add_float_data(0.5F);
  auto* mm = g->add_node();
  mm->set_op_type("MatMul");
  mm->set_name("proj");
  mm->add_input("x");
  mm->add_input("w");
  mm->add_output("h");
  return m;
}

void add_node(onnx::ModelProto& m, const std::string& type, const std::string& name, const std::string& in, const std::string& out) {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(type);
  n->set_name(name);
  n->add_input(in);
  n->add_output(out);
}

std::filesystem::path save(const onnx::ModelProto& m, const std::string& name) {
  const auto file = temp_file(name);
  std::ofstream out(file, std::ios::binary);
  m.SerializeToOstream(&out);
  return file;
}

TEST(OnnxImport, UnsupportedOpsAreAllListedByNameAndNode) {
  onnx::ModelProto m = tiny_model("");
  add_node(m, "Relu", "act", "h", "a");
  add_node(m, "Hardmax", "pick", "a", "k");
  add_node(m, "NonZero", "nz", "k", "z");
  const auto file = save(m, "unsupported.onnx");
  const std::string e = error_of(file);
  EXPECT_NE(e.find("2 unsupported ops"), std::string::npos) << e;
  EXPECT_NE(e.find("Hardmax (node pick)"), std::string::npos) << e;
  EXPECT_NE(e.find("NonZero (node nz)"), std::string::npos) << e;
  EXPECT_EQ(e.find("Relu"), std::string::npos) << e;
  std::filesystem::remove(file);
}

// Opsets the ONNX library does not know are refused (999 was read with opset-17 schemas).
TEST(OnnxImport, AnOpsetTheLibraryDoesNotKnowIsRefused) {
  onnx::ModelProto m = tiny_model("");
  m.mutable_opset_import(0)->set_version(999);
  auto file = save(m, "opset999.onnx");
  EXPECT_NE(error_of(file).find("opset 999 of domain 'ai.onnx': the ONNX library wafersim was built with knows versions 1 to"),
            std::string::npos) << error_of(file);
  m = tiny_model("");
  auto* ms = m.add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(0);
  file = save(m, "opset0.onnx");
  EXPECT_NE(error_of(file).find("opset version 0 of domain 'com.microsoft'"), std::string::npos) << error_of(file);
  std::filesystem::remove(file);
}

// Long chains of element-wise ops import in time linear in their length: the Softmax-folding
// check walked the rest of the chain from every node (20,000 nodes took more than 100 s), and a
// chain of contrib ops (no ONNX schema) took one shape-inference round per node. The bound is
// ten times what the linear import takes under the sanitizers.
TEST(OnnxImport, LongElementWiseChainsImportInLinearTime) {
  struct Case {
    const char* op;
    const char* domain;
    int length;
  };
  for (const Case c : {Case{"Relu", "", 20000}, Case{"Gelu", "com.microsoft", 2000}}) {
    onnx::ModelProto m = tiny_model("");
    if (*c.domain) {
      auto* o = m.add_opset_import();
      o->set_domain(c.domain);
      o->set_version(1);
    }
    std::string in = "h";
    for (int i = 0; i < c.length; ++i) {
      const std::string out = "e" + std::to_string(i);
      add_node(m, c.op, "n" + std::to_string(i), in, out);
      m.mutable_graph()->mutable_node(m.graph().node_size() - 1)->set_domain(c.domain);
      in = out;
    }
    add_node(m, "Softmax", "sm", in, "y");
    const auto file = save(m, std::string("chain-") + c.op + ".onnx");
    const auto t0 = std::chrono::steady_clock::now();
    const Graph g = import_onnx(file, {});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(seconds, 30.0) << c.op;
    EXPECT_DOUBLE_EQ(g.flops(Phase::kForward, OpKind::kMatMul), 2.0 * 8 * 8 * 16) << c.op;
    std::filesystem::remove(file);
  }
}

// Stated dimensions are checked: negative or huge ones gave negative op counts.
TEST(OnnxImport, DimensionsOutOfRangeAreRefused) {
  for (const std::int64_t d : {std::int64_t{-5}, std::int64_t{2'000'000'000}}) {
    onnx::ModelProto m = tiny_model("");
    m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(d);
    const auto file = save(m, "dims.onnx");
    EXPECT_NE(error_of(file).find("tensor 'x' has a dimension of " + std::to_string(d) + "; dimensions must be in [0, 1000000000]"),
              std::string::npos) << error_of(file);
    std::filesystem::remove(file);
  }
  onnx::ModelProto m = tiny_model("");
  auto* shape = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  for (int i = 0; i < 3; ++i) shape->mutable_dim(i)->set_dim_value(1'000'000'000);  // 1e27 elements: past int64
  const auto file = save(m, "elements.onnx");
  EXPECT_NE(error_of(file).find("tensor 'x' has 1e+27 elements"), std::string::npos) << error_of(file);
  std::filesystem::remove(file);
}

// Found by fuzzing the import: a layer number too long for an int in a node's name (it ended the
// process with std::out_of_range) and a MatMul of two vectors, whose output is a scalar.
TEST(OnnxImport, OddNamesAndScalarMatmulsAreHandled) {
  onnx::ModelProto m = tiny_model("");
  m.mutable_graph()->mutable_node(0)->set_name("L99999999999.proj");
  auto file = save(m, "longlayer.onnx");
  EXPECT_NO_THROW(import_onnx(file, {}));
  onnx::ModelProto v;
  v.set_ir_version(8);
  v.add_opset_import()->set_version(17);
  auto* g = v.mutable_graph();
  for (const char* name : {"a", "b"}) {
    auto* in = g->add_input();
    in->set_name(name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_value(8);
  }
  auto* mm = g->add_node();
  mm->set_op_type("MatMul");
  mm->set_name("dot");
  mm->add_input("a");
  mm->add_input("b");
  mm->add_output("y");
  file = save(v, "dot.onnx");
  EXPECT_NE(error_of(file).find("node dot (MatMul) has a scalar output"), std::string::npos) << error_of(file);
  std::filesystem::remove(file);
}

// A scalar first input has no token dimension; reading its last dimension was undefined behaviour
// (back() of an empty vector, found by the ONNX fuzzer in CI).
TEST(OnnxImport, AScalarFirstInputIsRefused) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  in->mutable_type()->mutable_tensor_type()->mutable_shape();  // rank 0
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("act");
  relu->add_input("x");
  relu->add_output("y");
  const auto file = save(m, "scalar_input.onnx");
  const std::string error = error_of(file);
  EXPECT_NE(error.find("first input 'x' is a scalar"), std::string::npos) << error;
  std::filesystem::remove(file);
}

// Nodes are read by position (first output, MatMul's two operands): a node without them was a
// null dereference inside protobuf (found by the ONNX fuzzer).
TEST(OnnxImport, NodesWithoutTheirOutputOrOperandsAreRefused) {
  onnx::ModelProto m = tiny_model("");
  m.mutable_graph()->mutable_node(0)->clear_output();
  auto file = save(m, "no_output.onnx");
  EXPECT_NE(error_of(file).find("has no output"), std::string::npos) << error_of(file);
  std::filesystem::remove(file);
  m = tiny_model("");
  auto* node = m.mutable_graph()->mutable_node(0);
  ASSERT_EQ(node->op_type(), "MatMul");
  node->mutable_input()->RemoveLast();
  file = save(m, "one_operand.onnx");
  EXPECT_NE(error_of(file).find("(MatMul) has 1 input; MatMul takes 2"), std::string::npos) << error_of(file);
  std::filesystem::remove(file);
}

TEST(OnnxImport, SymbolicDimensionsNeedValues) {
  onnx::ModelProto m = tiny_model("batch");
  add_node(m, "Relu", "act", "h", "y");
  const auto file = save(m, "symbolic.onnx");
  EXPECT_NE(error_of(file).find("symbolic dimension 'batch'"), std::string::npos) << error_of(file);
  OnnxImportOptions o;
  o.dims["batch"] = 3;
  const Graph g = import_onnx(file, o);
  EXPECT_EQ(g.tokens(), 3 * 4);
  EXPECT_DOUBLE_EQ(g.flops(Phase::kForward, OpKind::kMatMul), 2.0 * 12 * 8 * 16);  // shape inference carried the 3 through
  EXPECT_EQ(g.params(), 8 * 16);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace wafersim::compiler
