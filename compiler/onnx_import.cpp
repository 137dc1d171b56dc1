#include "compiler/onnx_import.hpp"

#include <fmt/format.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <unordered_map>

#include "compiler/elementwise_flops.hpp"
#include "compiler/op_costing.hpp"
#include "core/input_error.hpp"
#include "core/input_file.hpp"

namespace wafersim::compiler {

bool is_onnx_path(const std::filesystem::path& file) { return file.extension() == ".onnx"; }

namespace {

using V = std::size_t;
namespace ef = elementwise_flops;

struct Shape {
  std::vector<std::int64_t> dims;
  int elem_type = 0;  // onnx::TensorProto_DataType
  std::int64_t elements() const {
    std::int64_t n = 1;
    for (const auto d : dims) n *= d;
    return n;
  }
};

int element_bytes(int type) {
  switch (type) {
    case onnx::TensorProto_DataType_DOUBLE:
    case onnx::TensorProto_DataType_INT64: return 8;
    case onnx::TensorProto_DataType_FLOAT16:
    case onnx::TensorProto_DataType_BFLOAT16: return 2;
    case onnx::TensorProto_DataType_INT8:
    case onnx::TensorProto_DataType_UINT8: return 1;
    default: return 4;
  }
}

Dtype dtype_of(int type) {
  Dtype d;
  d.bytes = element_bytes(type);
  switch (type) {
    case onnx::TensorProto_DataType_FLOAT16: d.name = "fp16"; break;
    case onnx::TensorProto_DataType_BFLOAT16: d.name = "bf16"; break;
    case onnx::TensorProto_DataType_DOUBLE: d.name = "fp64"; break;
    case onnx::TensorProto_DataType_INT8: d.name = "int8"; break;
    default: d.name = "fp32"; d.bytes = 4; break;
  }
  return d;
}

// Ops that only move or relabel data (no FLOPs, no bytes the cost model charges): their outputs
// come from their inputs' producers.
const std::set<std::string>& layout_ops() {
  static const std::set<std::string> ops{"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Identity", "Cast",
                                         "Dropout", "Split",     "Concat",  "Slice",     "Expand"};
  return ops;
}

// Element-wise ops and their FLOPs per output element.
const std::map<std::string, double>& elementwise_ops() {
  static const std::map<std::string, double> ops{
      {"Add", ef::kAdd},  {"Sub", ef::kAdd},     {"Mul", ef::kAdd},     {"Div", ef::kAdd},          {"Pow", ef::kAdd},
      {"Sqrt", ef::kAdd}, {"Erf", ef::kAdd},     {"Tanh", ef::kAdd},    {"Exp", ef::kAdd},          {"Neg", ef::kAdd},
      {"Relu", ef::kAdd}, {"Sigmoid", ef::kAdd}, {"Where", ef::kAdd},   {"Reciprocal", ef::kAdd},   {"Max", ef::kAdd},
      {"Min", ef::kAdd},  {"Gelu", ef::kGelu},   {"FastGelu", ef::kGelu}, {"Softmax", ef::kSoftmax},
      {"LayerNormalization", ef::kLayerNorm},    {"SimplifiedLayerNormalization", ef::kRmsNorm}};
  return ops;
}

// Ops that only produce constants (shape arithmetic): folded, as is any op with only constant inputs.
bool is_constant_op(const std::string& op) { return op == "Constant" || op == "Shape" || op == "ConstantOfShape" || op == "Range"; }

bool is_norm(const std::string& op) { return op == "LayerNormalization" || op == "SimplifiedLayerNormalization"; }

int layer_of(const std::string& node_name) {
  static const std::regex re(R"((?:^|[/._])(?:L|layers?[._]|h[._]|blocks?[._])(\d+)(?=[/._]|$))");
  std::smatch m;
  if (!std::regex_search(node_name, m, re)) return 0;
  // A layer number past any model's layer count (the YAML limit is 1e5) is part of a name, not a layer.
  const std::string digits = m[1].str();
  return digits.size() > 6 ? 0 : std::stoi(digits);
}

class Importer {
 public:
  Importer(std::filesystem::path file, const OnnxImportOptions& options) : file_(std::move(file)), options_(options) {}

  Graph run() {
    load();
    check_opsets();
    check_op_types();
    check_arity();
    infer_shapes();
    collect_shapes();
    count_consumers();
    for (int k = 0; k < model_.graph().node_size(); ++k) import_node(model_.graph().node(k), k);
    if (!unknown_shapes_.empty())
      fail(fmt::format("no shape after shape inference for {} (give symbolic dimensions values)", join(unknown_shapes_)));
    if (boost::num_vertices(g_) == 0) fail("the graph has no ops wafersim costs (no MatMul, Gemm, Gather or element-wise op)");
    const ModelSpec spec = model_spec();  // sets tokens_
    return Graph::from_forward(spec, std::move(g_), tokens_, options_.recompute);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw InputError(fmt::format("{}: {}", file_.string(), what)); }

  static std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s;
  }

  void load() {
    const std::string bytes = read_input_file(file_, kMaxBinaryInputBytes);
    // Protobuf accepts many byte strings as some message, so a parse alone does not prove ONNX:
    // a model also names its IR version, an opset and a graph with nodes.
    if (!model_.ParseFromString(bytes) || model_.ir_version() <= 0 || model_.opset_import_size() == 0 || !model_.has_graph() ||
        model_.graph().node_size() == 0)
      fail("not an ONNX model (expected a serialized onnx.ModelProto with an IR version, an opset and a graph of nodes)");
  }

  // An opset this ONNX library does not know has op semantics it cannot check (opset 18 moved the
  // Reduce ops' axes from an attribute to an input): refuse it rather than read it with older
  // schemas. Domains the library has no range for (com.microsoft) need only a version >= 1.
  void check_opsets() const {
    const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    for (const auto& o : model_.opset_import()) {
      const std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
      const std::string shown = domain.empty() ? "ai.onnx" : domain;
      const auto it = known.find(domain);
      if (it == known.end()) {
        if (o.version() < 1) fail(fmt::format("opset version {} of domain '{}': versions start at 1", o.version(), shown));
        continue;
      }
      const auto [lo, hi] = it->second;
      if (o.version() < lo || o.version() > hi)
        fail(fmt::format("opset {} of domain '{}': the ONNX library wafersim was built with knows versions {} to {} (export the model with "
                         "opset {} or lower)", o.version(), shown, lo, hi, hi));
    }
  }

  // Unsupported ops are reported before shape inference, which may trip over them first.
  void check_op_types() {
    std::vector<std::string> unsupported;  // "OpType (node name)"
    for (int k = 0; k < model_.graph().node_size(); ++k) {
      const auto& node = model_.graph().node(k);
      const std::string& t = node.op_type();
      if (is_constant_op(t) || t == "MatMul" || t == "Gemm" || t == "Gather" || layout_ops().count(t) || elementwise_ops().count(t))
        continue;
      unsupported.push_back(fmt::format("{} (node {})", t, node_name(node, k)));
    }
    if (!unsupported.empty())
      fail(fmt::format("{} unsupported op{}: {}", unsupported.size(), unsupported.size() == 1 ? "" : "s", join(unsupported)));
  }

  // The import reads a node's first output and its operands by position, so each node must have
  // them (shape inference does not check arity). Checked once here, for every node.
  void check_arity() const {
    for (int k = 0; k < model_.graph().node_size(); ++k) {
      const auto& node = model_.graph().node(k);
      const std::string& t = node.op_type();
      if (node.output_size() == 0 || node.output(0).empty())
        fail(fmt::format("node {} ({}) has no output", node_name(node, k), t));
      int low = 0, high = std::numeric_limits<int>::max();
      if (t == "MatMul" || t == "Gather") low = high = 2;
      if (t == "Gemm") low = 2, high = 3;
      if (node.input_size() < low || node.input_size() > high || (low > 0 && (node.input(0).empty() || node.input(1).empty())))
        fail(fmt::format("node {} ({}) has {} input{}; {} takes {}", node_name(node, k), t, node.input_size(), node.input_size() == 1 ? "" : "s", t,
                         low == high ? std::to_string(low) : fmt::format("{} or {}", low, high)));
    }
  }

  void infer_shapes() {
    // Symbolic input dimensions get their values first, so inference propagates numbers.
    for (auto& input : *model_.mutable_graph()->mutable_input()) {
      if (!input.type().has_tensor_type()) continue;
      for (auto& dim : *input.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
        if (!dim.has_dim_param()) continue;
        const auto it = options_.dims.find(dim.dim_param());
        if (it != options_.dims.end()) dim.set_dim_value(it->second);
      }
    }
    // ONNX has no schema for contrib ops (com.microsoft Gelu): inference stops at their outputs.
    // Those are element-wise, so their output takes the broadcast of their inputs' shapes and
    // inference runs again from there, until nothing new is learned.
    for (int round = 0;; ++round) {
      try {
        onnx::shape_inference::InferShapes(model_);
      } catch (const std::exception& e) {
        fail(fmt::format("ONNX shape inference failed: {}", e.what()));
      }
      shapes_.clear();
      symbolic_.clear();
      collect_value_shapes();
      bool learned = false;
      for (const auto& node : model_.graph().node()) {
        if (node.output_size() != 1 || shape(node.output(0)) || !elementwise_ops().count(node.op_type())) continue;
        const auto out = broadcast_shape(node);
        if (!out) continue;
        auto* vi = model_.mutable_graph()->add_value_info();
        vi->set_name(node.output(0));
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(out->elem_type);
        auto* shape = tt->mutable_shape();
        for (const auto d : out->dims) shape->add_dim()->set_dim_value(d);
        shapes_[node.output(0)] = *out;  // the next node of a chain of them uses it in this round
        learned = true;
      }
      if (!learned || round > model_.graph().node_size()) break;
    }
  }

  void note_value(const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type()) return;
    const auto& tt = v.type().tensor_type();
    if (!tt.has_shape()) return;
    Shape s;
    s.elem_type = tt.elem_type();
    for (const auto& d : tt.shape().dim()) {
      if (!d.has_dim_value()) {
        symbolic_[v.name()] = d.has_dim_param() ? d.dim_param() : "?";
        return;
      }
      s.dims.push_back(d.dim_value());
    }
    shapes_[v.name()] = checked(std::move(s), v.name());
  }

  // Dimensions as a model can state them: 0 to kMaxDim each, at most kMaxElements in a tensor (a
  // dimension of -5 or a product past 2^63 gave negative counts).
  static constexpr std::int64_t kMaxDim = 1'000'000'000;
  static constexpr double kMaxElements = 1e15;
  Shape checked(Shape s, const std::string& tensor) const {
    double elements = 1;
    for (const auto d : s.dims) {
      if (d < 0 || d > kMaxDim) fail(fmt::format("tensor '{}' has a dimension of {}; dimensions must be in [0, {}]", tensor, d, kMaxDim));
      elements *= static_cast<double>(d);
    }
    if (elements > kMaxElements)
      fail(fmt::format("tensor '{}' has {:.3g} elements; at most {:.0e} are costed", tensor, elements, kMaxElements));
    return s;
  }

  void collect_value_shapes() {
    const auto& graph = model_.graph();
    for (const auto& t : graph.initializer()) {
      Shape s;
      s.elem_type = t.data_type();
      s.dims.assign(t.dims().begin(), t.dims().end());
      shapes_[t.name()] = checked(std::move(s), t.name());
    }
    for (const auto& v : graph.input()) note_value(v);
    for (const auto& v : graph.value_info()) note_value(v);
    for (const auto& v : graph.output()) note_value(v);
  }

  void collect_shapes() {
    const auto& graph = model_.graph();
    for (const auto& t : graph.initializer()) {
      constants_.insert(t.name());
      initializers_.insert(t.name());
      const int type = t.data_type();
      if (weight_type_ == 0 && (type == onnx::TensorProto_DataType_FLOAT || type == onnx::TensorProto_DataType_FLOAT16 ||
                                type == onnx::TensorProto_DataType_BFLOAT16))
        weight_type_ = type;
    }
    // Graph inputs that are not initializers are the activations (or token ids) the step is fed.
    for (const auto& v : graph.input()) {
      if (initializers_.count(v.name())) continue;
      producers_[v.name()] = {};
      if (!first_input_.empty()) continue;
      first_input_ = v.name();
      if (symbolic_.count(v.name()))
        fail(fmt::format("input '{}' has the symbolic dimension '{}': give it a value (--dim {}=N)", v.name(), symbolic_[v.name()],
                         symbolic_[v.name()]));
    }
    if (first_input_.empty()) fail("the graph has no inputs besides its initializers");
  }

  void count_consumers() {
    for (const auto& node : model_.graph().node())
      for (const auto& in : node.input()) {
        if (in.empty()) continue;
        ++consumer_count_[in];
        only_consumer_[in] = &node;
      }
  }

  const Shape* shape(const std::string& tensor) const {
    const auto it = shapes_.find(tensor);
    return it == shapes_.end() ? nullptr : &it->second;
  }

  std::string node_name(const onnx::NodeProto& node, int index) const {
    return node.name().empty() ? fmt::format("{}_{}", node.op_type(), index) : node.name();
  }

  // The numpy-style broadcast of an element-wise node's input shapes, if all are known.
  std::optional<Shape> broadcast_shape(const onnx::NodeProto& node) const {
    Shape out;
    for (const auto& in : node.input()) {
      if (in.empty()) continue;
      const Shape* s = shape(in);
      if (!s) return std::nullopt;
      if (s->dims.size() > out.dims.size()) out.dims.insert(out.dims.begin(), s->dims.size() - out.dims.size(), 1);
      for (std::size_t i = 0; i < s->dims.size(); ++i) {
        auto& d = out.dims[out.dims.size() - s->dims.size() + i];
        d = std::max(d, s->dims[i]);
      }
      if (out.elem_type == 0) out.elem_type = s->elem_type;
    }
    return checked(std::move(out), node.output(0));
  }

  bool is_constant(const std::string& t) const { return constants_.count(t) > 0; }
  bool is_initializer(const std::string& t) const { return initializers_.count(t) > 0; }

  // Parameters an initializer adds: its elements, the first time an op uses it.
  std::int64_t claim(const std::string& init) {
    if (!used_initializers_.insert(init).second) return 0;
    const Shape* s = shape(init);
    return s ? s->elements() : 0;
  }

  std::vector<std::string> activation_inputs(const onnx::NodeProto& node) const {
    std::vector<std::string> a;
    for (const auto& in : node.input())
      if (!in.empty() && !is_constant(in)) a.push_back(in);
    return a;
  }

  std::vector<V> producers_of(const std::vector<std::string>& tensors) const {
    std::vector<V> p;
    for (const auto& t : tensors) {
      const auto it = producers_.find(t);
      if (it == producers_.end()) continue;
      for (const V v : it->second)
        if (std::find(p.begin(), p.end(), v) == p.end()) p.push_back(v);
    }
    return p;
  }

  V add(Op op, const std::vector<std::string>& inputs, const onnx::NodeProto& node) {
    const V v = boost::add_vertex(op, g_);
    for (const V in : producers_of(inputs)) boost::add_edge(in, v, Tensor{g_[in].bytes_written}, g_);
    for (const auto& out : node.output()) producers_[out] = {v};
    return v;
  }

  // A scale or mask on the way into a Softmax: element-wise, constants besides one activation,
  // and consumed only by the Softmax or by another such op.
  // Walks the chain of single consumers once and remembers the answer for every node on it (one
  // call per node of a long element-wise chain made the import quadratic, and the recursion deep);
  // a node met again (a cyclic graph) ends the walk with false.
  bool folds_into_softmax(const onnx::NodeProto& node) const {
    std::vector<const onnx::NodeProto*> path;
    const onnx::NodeProto* n = &node;
    bool result = false;
    for (;;) {
      if (const auto known = folds_memo_.find(n); known != folds_memo_.end()) {
        result = known->second;
        break;
      }
      if (!elementwise_ops().count(n->op_type()) || n->op_type() == "Softmax" || is_norm(n->op_type())) break;
      if (activation_inputs(*n).size() != 1 || n->output_size() != 1) break;
      const auto count = consumer_count_.find(n->output(0));
      if (count == consumer_count_.end() || count->second != 1) break;
      folds_memo_[n] = false;  // while walking: a cycle back to it ends the walk
      path.push_back(n);
      n = only_consumer_.at(n->output(0));
      if (n->op_type() == "Softmax") {
        result = true;
        break;
      }
    }
    if (path.empty() || path.front() != &node) folds_memo_[&node] = result;
    for (const auto* p : path) folds_memo_[p] = result;
    return result;
  }

  OpCosting cost() const { return OpCosting{static_cast<double>(element_bytes(activation_type_)), static_cast<double>(element_bytes(weight_type_))}; }

  void import_node(const onnx::NodeProto& node, int index) {
    const std::string& type = node.op_type();
    const std::string name = node_name(node, index);
    const int layer = layer_of(name);
    const auto acts = activation_inputs(node);
    // Constant folding: shape arithmetic, Constant nodes.
    if (is_constant_op(type) || acts.empty()) {
      for (const auto& out : node.output()) constants_.insert(out);
      return;
    }
    for (const auto& in : acts)
      if (!producers_.count(in)) fail(fmt::format("node {} reads '{}', which no earlier node produces (the nodes are not in topological order)", name, in));
    if (layout_ops().count(type)) {
      const auto p = producers_of(acts);
      for (const auto& out : node.output()) {
        producers_[out] = p;
        pending_softmax_flops_[out] = pending_softmax_flops_[acts.front()];
      }
      return;
    }
    const Shape* out = shape(node.output(0));
    if (!out) {
      unknown_shapes_.push_back(fmt::format("{} (node {})", node.output(0), name));
      producers_[node.output(0)] = producers_of(acts);
      return;
    }
    if (type == "MatMul" || type == "Gemm") return import_matmul(node, name, layer, *out);
    if (type == "Gather") return import_gather(node, name, layer, *out);
    const auto rate = elementwise_ops().find(type);  // check_op_types() left nothing else
    if (activation_type_ == 0) activation_type_ = out->elem_type;
    if (folds_into_softmax(node)) {
      producers_[node.output(0)] = producers_of(acts);
      pending_softmax_flops_[node.output(0)] = pending_softmax_flops_[acts.front()] + rate->second;
      return;
    }
    double per_element = rate->second;
    if (type == "Softmax") per_element += pending_softmax_flops_[acts.front()];
    std::int64_t params = 0;
    for (const auto& in : node.input())
      if (is_initializer(in) && shape(in) && shape(in)->elements() > 1) params += claim(in);
    Op op = cost().elementwise(name, layer, static_cast<double>(out->elements()), per_element, acts.size(), params);
    op.row_reduction = is_norm(type);
    if (type == "Add" || type == "Sub") op.keeps = Op::Keeps::kNothing;  // a sum's backward needs no activations
    if (type == "Softmax") op.keeps = Op::Keeps::kOutput;
    if (type == "Softmax") {
      const auto p = producers_of(acts);
      op.attention_core = std::any_of(p.begin(), p.end(), [&](V v) { return g_[v].kind == OpKind::kAttnMatMul; });
    }
    add(op, acts, node);
  }

  void import_matmul(const onnx::NodeProto& node, const std::string& name, int layer, const Shape& out) {
    const std::string& a = node.input(0);
    const std::string& b = node.input(1);
    const Shape* sa = shape(a);
    const Shape* sb = shape(b);
    if (!sa || !sb || sa->dims.empty() || sb->dims.empty()) {
      unknown_shapes_.push_back(fmt::format("inputs of node {}", name));
      return;
    }
    if (activation_type_ == 0) activation_type_ = out.elem_type;
    const bool gemm = node.op_type() == "Gemm";
    bool trans_a = false;
    for (const auto& attr : node.attribute())
      if (attr.name() == "transA") trans_a = attr.i() != 0;
    // m and n come from the output, k from A, whichever way the operands are stored.
    const auto& od = out.dims;
    if (od.empty()) fail(fmt::format("node {} ({}) has a scalar output: a dot product of vectors, not a matmul wafersim costs", name, node.op_type()));
    const std::int64_t n = od.back();
    const std::int64_t k = trans_a ? sa->dims.front() : sa->dims.back();
    std::int64_t leading = 1;
    for (std::size_t i = 0; i + 1 < od.size(); ++i) leading *= od[i];
    const bool weight_a = is_constant(a), weight_b = is_constant(b);
    V v;
    if (weight_a || weight_b) {
      const std::string& w = weight_b ? b : a;
      const std::int64_t params = is_initializer(w) ? claim(w) : 0;
      v = add(cost().matmul(name, layer, leading, k, n, params, true), {weight_b ? a : b}, node);
    } else {
      // Batched product of two activations: batch = the output's leading dimensions but the last two.
      std::int64_t batch = 1;
      for (std::size_t i = 0; i + 2 < od.size(); ++i) batch *= od[i];
      const std::int64_t rows = od.size() >= 2 ? od[od.size() - 2] : 1;
      v = add(cost().attn_matmul(name, layer, batch, rows, k, n), {a, b}, node);
    }
    if (gemm && node.input_size() > 2 && !node.input(2).empty()) {
      const std::string& c = node.input(2);
      const std::int64_t params = is_initializer(c) ? claim(c) : 0;
      producers_[node.output(0)] = {v};
      Op bias = cost().elementwise(name + ".bias", layer, static_cast<double>(out.elements()), ef::kAdd, 1, params);
      add(bias, {node.output(0)}, node);
    }
  }

  void import_gather(const onnx::NodeProto& node, const std::string& name, int layer, const Shape& out) {
    const std::string& table = node.input(0);
    if (!is_initializer(table)) {  // indexing into an activation: a slice
      producers_[node.output(0)] = producers_of({table});
      return;
    }
    if (const Shape* ids = shape(node.input(1)); ids && embedding_tokens_ == 0) embedding_tokens_ = ids->elements();
    if (activation_type_ == 0) activation_type_ = out.elem_type;
    add(cost().gather(name, layer, static_cast<double>(out.elements()), claim(table)), {node.input(1)}, node);
  }

  ModelSpec model_spec() {
    ModelSpec m;
    m.name = model_.graph().name().empty() ? file_.stem().string() : model_.graph().name();
    m.source = "ONNX: " + file_.string();
    m.mode = options_.mode;
    const Shape& in = shapes_.at(first_input_);
    if (in.dims.empty())
      fail(fmt::format("the graph's first input '{}' is a scalar: wafersim reads the tokens from it, so it must be token ids "
                       "[batch, sequence] or hidden states [batch, sequence, d_model]", first_input_));
    const bool ids = in.elem_type == onnx::TensorProto_DataType_INT64 || in.elem_type == onnx::TensorProto_DataType_INT32;
    // Tokens: the token ids fed to an embedding, or every position of a hidden-state input.
    tokens_ = embedding_tokens_ > 0 ? embedding_tokens_ : (ids ? in.elements() : in.elements() / std::max<std::int64_t>(1, in.dims.back()));
    if (!ids) m.d_model = in.dims.back();
    m.sequence = ids ? in.dims.back() : (in.dims.size() >= 2 ? in.dims[in.dims.size() - 2] : 1);
    m.micro_batch = std::max<std::int64_t>(1, tokens_ / std::max<std::int64_t>(1, m.sequence));
    m.global_batch = m.micro_batch;
    std::set<int> layers;
    for (V v = 0; v < boost::num_vertices(g_); ++v) layers.insert(g_[v].layer);
    m.layers = static_cast<int>(layers.size());
    m.weights = dtype_of(weight_type_);
    m.activations = dtype_of(activation_type_);
    m.gradients = m.weights;
    m.optimizer = dtype_of(onnx::TensorProto_DataType_FLOAT);
    return m;
  }

  std::filesystem::path file_;
  OnnxImportOptions options_;
  onnx::ModelProto model_;
  std::map<std::string, Shape> shapes_;
  std::map<std::string, std::string> symbolic_;  // tensor -> its first symbolic dimension
  std::set<std::string> constants_, initializers_, used_initializers_;
  std::map<std::string, std::vector<V>> producers_;  // activation tensor -> the ops it comes from
  std::map<std::string, int> consumer_count_;
  std::map<std::string, const onnx::NodeProto*> only_consumer_;
  mutable std::unordered_map<const onnx::NodeProto*, bool> folds_memo_;
  std::map<std::string, double> pending_softmax_flops_;  // FLOPs per element folded in front of a softmax
  std::vector<std::string> unknown_shapes_;  // "tensor (node name)"
  std::string first_input_;
  std::int64_t embedding_tokens_ = 0, tokens_ = 0;
  int weight_type_ = 0, activation_type_ = 0;
  OpGraph g_;
};

}  // namespace

Graph import_onnx(const std::filesystem::path& file, const OnnxImportOptions& options) { return Importer(file, options).run(); }

}  // namespace wafersim::compiler
