// list: every registered implementation of each family, with its summary, its own YAML keys
// where it has some, and where it is chosen. Built from the registries, so a new entry (one file
// in an impl folder) shows up here and in no other place to edit.
#include <fmt/format.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "compiler/attention_mapping.hpp"
#include "compiler/mapper.hpp"
#include "compiler/matmul_mapping.hpp"
#include "compiler/moe_mapping.hpp"
#include "core/did_you_mean.hpp"
#include "core/input_error.hpp"
#include "mesh/repair.hpp"
#include "mesh/routing.hpp"
#include "mesh/yield_model.hpp"
#include "sim/allocator.hpp"
#include "sim/traffic_pattern.hpp"

namespace wafersim::cli {
namespace {

struct Item {
  std::string name, summary;
  std::vector<std::string> keys;
};

struct Family {
  std::string name, what, chosen_by;
  std::function<std::vector<Item>()> items;
};

template <typename Entry>
std::vector<Item> items_of() {
  std::vector<Item> out;
  const auto& reg = Registry<Entry>::instance();
  for (const std::string& n : reg.names()) {
    const Entry& e = *reg.find(n);
    Item it{e.name, e.summary, {}};
    if constexpr (requires { e.keys; }) it.keys = e.keys;
    out.push_back(std::move(it));
  }
  return out;
}

std::vector<Family> families() {
  return {
      {"yield", "defect yield models", "defects.model in a wafer system YAML", items_of<mesh::YieldModelEntry>},
      {"repair", "repair strategies", "repair.strategy in a wafer system YAML", items_of<mesh::RepairEntry>},
      {"routing", "routing algorithms", "routing.algorithm in a wafer system or NoC YAML; route --algorithm", items_of<mesh::RoutingEntry>},
      {"allocator", "router VC and switch allocators", "router.vc_allocator, router.sw_allocator in a NoC YAML", items_of<sim::AllocatorEntry>},
      {"traffic", "synthetic traffic patterns (and trace, packets read from traffic.trace)", "traffic.pattern in a NoC YAML; noc --traffic",
       items_of<sim::TrafficPatternEntry>},
      {"style", "mapping styles: where a model's layers and weights go", "compile / simulate --style",
       items_of<compiler::MappingStyleEntry>},
      {"matmul", "matmul mappings", "compile / simulate / estimate --matmul-mapping", items_of<compiler::MatmulMappingEntry>},
      {"attention", "attention mappings", "compile / simulate --attention-mapping", items_of<compiler::AttentionMappingEntry>},
      {"moe", "mixture-of-experts mappings", "compile / simulate --moe-mapping", items_of<compiler::MoeMappingEntry>},
  };
}

}  // namespace

int run_list_command(const ListArgs& a) {
  std::vector<Family> all = families();
  if (!a.family.empty()) {
    std::vector<std::string> names;
    for (const Family& f : all) names.push_back(f.name);
    const auto it = std::find_if(all.begin(), all.end(), [&](const Family& f) { return f.name == a.family; });
    if (it == all.end())
      throw InputError(fmt::format("list: unknown family '{}'{}; families: {}", a.family, did_you_mean(a.family, names), fmt::join(names, ", ")));
    all = {*it};
  }
  if (a.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const Family& f : all) {
      auto& fam = j[f.name];
      fam["what"] = f.what;
      fam["chosen_by"] = f.chosen_by;
      fam["entries"] = nlohmann::ordered_json::array();
      for (const Item& i : f.items()) fam["entries"].push_back({{"name", i.name}, {"summary", i.summary}, {"keys", i.keys}});
    }
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  for (const Family& f : all) {
    fmt::print("{}: {} (chosen by {})\n", f.name, f.what, f.chosen_by);
    for (const Item& i : f.items()) {
      fmt::print("  {:<22} {}\n", i.name, i.summary);
      if (!i.keys.empty()) fmt::print("  {:<22} keys: {}\n", "", fmt::join(i.keys, ", "));
    }
  }
  return 0;
}

}  // namespace wafersim::cli
