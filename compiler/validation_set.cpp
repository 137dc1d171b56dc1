#include "compiler/validation_set.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "core/input_error.hpp"

namespace wafersim::compiler {

const char* ValidationRow::metric_name() const {
  switch (metric) {
    case Metric::kTflopsPerGpu: return "TFLOP/s per GPU";
    case Metric::kIterationSeconds: return "s per iteration";
    case Metric::kTokensPerSecondPerGpu: return "tokens/s per GPU";
  }
  return "";
}

double ValidationRow::estimated(const TrainingEstimate& e) const {
  switch (metric) {
    case Metric::kTflopsPerGpu: return e.achieved_tflops_per_device;
    case Metric::kIterationSeconds: return e.time.step;
    case Metric::kTokensPerSecondPerGpu: return e.tokens_per_s / static_cast<double>(e.par.devices());
  }
  return 0;
}

Parallelism layout_from_yaml(const YamlNode& n) {
  n.expect_map();
  n.check_keys({"tp", "pp", "cp", "ep", "micro_batch", "interleave", "sp", "zero", "recompute", "attention", "fp8", "overlap", "stage_layers"});
  Parallelism p;
  const Range degree = Range::closed(1, 1e6);
  p.tp = n.get_int("tp", 1, degree);
  p.pp = n.get_int("pp", 1, degree);
  p.cp = n.get_int("cp", 1, degree);
  p.ep = n.get_int("ep", 1, degree);
  p.micro_batch = n.get_int("micro_batch", 1, degree);
  p.interleave = n.get_int("interleave", 1, degree);
  p.sequence_parallel = n.get_bool("sp", false);
  p.zero_stage = static_cast<int>(n.get_int("zero", 0, Range::closed(0, 1)));
  p.recompute = parse_recompute(n.get_choice("recompute", "full", {"none", "selective", "full"}));
  p.flash_attention = n.get_choice("attention", "standard", {"standard", "flash"}) == "flash";
  p.fp8 = n.get_bool("fp8", false);
  if (n.has("overlap")) {
    const YamlNode o = n.child("overlap");
    if (o.raw().IsScalar()) {
      const bool on = o.as_choice({"all", "none"}) == "all";
      p.overlap = {on, on, on};
    } else {
      p.overlap = {false, false, false};
      for (const YamlNode& item : o.items()) {
        const std::string what = item.as_choice({"tp", "dp", "pp"});
        (what == "tp" ? p.overlap.tp : what == "dp" ? p.overlap.dp : p.overlap.pp) = true;
      }
    }
  }
  if (n.has("stage_layers"))
    for (const YamlNode& item : n.child("stage_layers").items()) p.stage_layers.push_back(item.as_int(Range::closed(1, 1e6)));
  return p;
}

namespace {

ModelSpec row_model(const YamlNode& node, const std::map<std::string, YamlNode>& models) {
  if (node.raw().IsScalar()) {
    const auto it = models.find(node.as_string());
    if (it == models.end()) node.fail(fmt::format("no model '{}' under models:", node.as_string()));
    return ModelSpec::from_yaml(it->second);
  }
  node.expect_map();
  std::vector<std::string> allowed = ModelSpec::keys();
  allowed.push_back("base");
  node.check_keys(allowed);  // here, where the override's line is known (the merged map has none)
  const YamlNode base = node.require("base");
  const auto it = models.find(base.as_string());
  if (it == models.end()) base.fail(fmt::format("no model '{}' under models:", base.as_string()));
  YAML::Node merged = YAML::Clone(it->second.raw());
  for (const auto& kv : node.raw())
    if (kv.first.as<std::string>() != "base") merged[kv.first.as<std::string>()] = kv.second;
  return ModelSpec::from_yaml(YamlNode(merged, node.file(), node.path()));
}

std::vector<ValidationRow> load_file(const std::filesystem::path& file) {
  const YamlNode doc = YamlNode::load_file(file);
  doc.expect_map();
  doc.check_keys({"source", "system", "models", "rows"});
  const std::string source = doc.get_string("source", "");
  const YamlNode sys = doc.require("system");
  const std::filesystem::path system_file = file.parent_path() / sys.as_string();
  if (!std::filesystem::exists(system_file)) sys.fail(fmt::format("no such file: {}", system_file.string()));
  const ClusterSpec cluster = ClusterSpec::load(system_file);
  std::map<std::string, YamlNode> models;
  if (doc.has("models")) {
    const YamlNode m = doc.child("models");
    m.expect_map();
    for (const std::string& k : m.keys()) models.emplace(k, m.child(k));
  }
  std::vector<ValidationRow> rows;
  for (const YamlNode& r : doc.require("rows").items()) {
    r.expect_map();
    r.check_keys({"name", "model", "gpus", "layout", "published", "tolerance", "params_b", "shortfall"});
    ValidationRow row;
    row.file = file.string();
    row.source = source;
    row.name = r.require("name").as_string();
    row.model = row_model(r.require("model"), models);
    row.cluster = cluster;
    row.layout = layout_from_yaml(r.require("layout"));
    const YamlNode gpus = r.require("gpus");
    row.cluster.devices = gpus.as_int(Range::closed(1, 1e9));
    const std::int64_t per_replica = row.layout.tp * row.layout.cp * row.layout.pp;
    if (row.cluster.devices % per_replica != 0)
      gpus.fail(fmt::format("{} GPUs are not a multiple of tp x cp x pp = {}", row.cluster.devices, per_replica));
    row.layout.dp = row.cluster.devices / per_replica;
    const YamlNode pub = r.require("published");
    pub.expect_map();
    pub.check_keys({"tflops_per_gpu", "iteration_s", "tokens_per_s_per_gpu"});
    if (pub.keys().size() != 1) pub.fail("one published figure: tflops_per_gpu, iteration_s or tokens_per_s_per_gpu");
    const std::string key = pub.keys().front();
    row.metric = key == "tflops_per_gpu" ? ValidationRow::Metric::kTflopsPerGpu
                 : key == "iteration_s"  ? ValidationRow::Metric::kIterationSeconds
                                         : ValidationRow::Metric::kTokensPerSecondPerGpu;
    row.published = pub.require(key).as_double(Range::positive());
    row.tolerance = r.get_double("tolerance", 0.1, Range::fraction());
    row.published_params = r.get_double("params_b", 0.0, Range::non_negative()) * 1e9;
    row.shortfall = r.get_string("shortfall", "");
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<ValidationRow> load_validation_set(const std::filesystem::path& path) {
  if (!std::filesystem::is_directory(path)) return load_file(path);
  std::vector<std::filesystem::path> files;
  for (const auto& f : std::filesystem::directory_iterator(path))
    if (f.path().extension() == ".yaml") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw InputError(fmt::format("{}: no *.yaml validation files", path.string()));
  std::vector<ValidationRow> rows;
  for (const auto& f : files) {
    auto r = load_file(f);
    rows.insert(rows.end(), std::make_move_iterator(r.begin()), std::make_move_iterator(r.end()));
  }
  return rows;
}

}  // namespace wafersim::compiler
