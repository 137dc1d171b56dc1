// --set key.path=value: where an override lands, what it may not do, and how its errors read.
#include "core/config_overrides.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/input_error.hpp"
#include "core/provenance.hpp"
#include "core/yaml_reader.hpp"

namespace wafersim {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PlaceAtPath, CreatesMissingMapsAndIndexesLists) {
  YAML::Node root = YAML::Load("a: {b: 1}\nlist: [{x: 1}, {x: 2}]\n");
  EXPECT_EQ(place_at_path(root, "a.c.d", YAML::Load("5")).created, "a.c");
  EXPECT_EQ(root["a"]["c"]["d"].as<int>(), 5);
  EXPECT_EQ(root["a"]["b"].as<int>(), 1);  // the sibling is kept
  EXPECT_EQ(place_at_path(root, "list[1].x", YAML::Load("7")).created, "list[1].x");
  EXPECT_EQ(root["list"][1]["x"].as<int>(), 7);
  EXPECT_EQ(root["list"][0]["x"].as<int>(), 1);
  place_at_path(root, "a.b", YAML::Load("[0.1, 0.2]"));
  ASSERT_TRUE(root["a"]["b"].IsSequence());
  EXPECT_EQ(root["a"]["b"].size(), 2u);
}

TEST(PlaceAtPath, StopsAtAScalarAndRefusesWhatCannotBeWritten) {
  YAML::Node root = YAML::Load("system: ../x.yaml\nlist: [1, 2]\n");
  const PlaceResult r = place_at_path(root, "system.noc.vcs", YAML::Load("4"));
  EXPECT_EQ(r.blocked_at, "system");
  EXPECT_EQ(root["system"].as<std::string>(), "../x.yaml");  // nothing written
  EXPECT_THAT(message_of([&] { place_at_path(root, "list[2]", YAML::Load("3")); }), HasSubstr("index 2 is past its end"));
  EXPECT_THAT(message_of([&] { place_at_path(root, "list.x", YAML::Load("3")); }), HasSubstr("'list' is a list; name an element"));
  for (const char* bad : {"", "a..b", "a.", ".a", "a[x]", "a[", "a b", "a[1]b"})
    EXPECT_THAT(message_of([&] { place_at_path(root, bad, YAML::Load("1")); }), HasSubstr("key path")) << bad;
}

TEST(ParseOverride, NeedsAPathAndAValue) {
  const ConfigOverride o = parse_override("traffic.rate=0.25");
  EXPECT_EQ(o.path, "traffic.rate");
  EXPECT_EQ(o.value.as<double>(), 0.25);
  EXPECT_EQ(o.origin, "--set traffic.rate=0.25");
  EXPECT_TRUE(parse_override("sweep.rates=[0.1, 0.2]").value.IsSequence());
  EXPECT_TRUE(parse_override("a=b=c").value.IsScalar());  // the first '=' ends the path
  EXPECT_THAT(message_of([] { parse_override("traffic.rate"); }), HasSubstr("expected key.path=value"));
  EXPECT_THAT(message_of([] { parse_override("traffic.rate="); }), HasSubstr("no value after '='"));
  EXPECT_THAT(message_of([] { parse_override("traffic.rate=[0.1"); }), HasSubstr("not valid YAML"));
  EXPECT_THAT(message_of([] { parse_override("a..b=1"); }), HasSubstr("--set a..b=1: key path"));
}

// Files read through YamlNode::load_file with the process's overrides.
struct Overrides : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    command_overrides().clear();
    dir = fs::temp_directory_path() / ("wafersim-overrides-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override {
    command_overrides().clear();
    fs::remove_all(dir);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
  // A config with a rule relating two keys, read the way a config struct reads itself.
  static void validate(const YamlNode& root) {
    root.check_keys({"traffic", "system"});
    const YamlNode t = root.child("traffic");
    t.check_keys({"rate", "on_rate"});
    const double rate = t.get_double("rate", 0.1, Range::closed(0, 1));
    const double on_rate = t.get_double("on_rate", 1.0, Range::closed(0, 1));
    if (on_rate < rate) t.child("on_rate").fail("must be >= rate");
  }
};

TEST_F(Overrides, LandBeforeValidationAndErrorsNameThem) {
  const fs::path f = write("c.yaml", "traffic:\n  rate: 0.1\n  on_rate: 0.5\n");
  command_overrides().add(parse_override("traffic.rate=0.3"));
  const YamlNode root = YamlNode::load_file(f, ConfigMount::root());
  EXPECT_EQ(root.child("traffic").child("rate").as_double(), 0.3);
  EXPECT_NO_THROW(validate(root));
  command_overrides().check_all_taken();

  // Out of range at the overridden key: the error is the override's, not the file's.
  command_overrides().clear();
  command_overrides().add(parse_override("traffic.rate=2"));
  EXPECT_EQ(message_of([&] { validate(YamlNode::load_file(f, ConfigMount::root())); }),
            "--set traffic.rate=2: traffic.rate: must be in [0, 1], got 2");

  // A rule relating two keys fails at the key the user did not change: the file's place, and the override.
  command_overrides().clear();
  command_overrides().add(parse_override("traffic.rate=0.9"));
  EXPECT_EQ(message_of([&] { validate(YamlNode::load_file(f, ConfigMount::root())); }),
            f.string() + ":3:12: traffic.on_rate: must be >= rate (with --set traffic.rate=0.9)");

  // A misspelt key, and a section that does not exist, are the override's.
  command_overrides().clear();
  command_overrides().add(parse_override("traffic.rte=0.2"));
  EXPECT_THAT(message_of([&] { validate(YamlNode::load_file(f, ConfigMount::root())); }),
              HasSubstr("--set traffic.rte=0.2: traffic.rte: unknown key (did you mean 'rate'?)"));
  command_overrides().clear();
  command_overrides().add(parse_override("trafic.rate=0.2"));
  EXPECT_THAT(message_of([&] { validate(YamlNode::load_file(f, ConfigMount::root())); }),
              HasSubstr("--set trafic.rate=0.2: trafic: unknown key (did you mean 'traffic'?)"));
}

TEST_F(Overrides, NullRemovesAKeySoItsDefaultApplies) {
  const fs::path f = write("c.yaml", "traffic: {rate: 0.1, on_rate: 0.5}\n");
  command_overrides().add(parse_override("traffic.on_rate=null"));
  command_overrides().add(parse_override("nothere.x=null"));  // removing what is not there is a no-op
  const YamlNode root = YamlNode::load_file(f, ConfigMount::root());
  EXPECT_FALSE(root.child("traffic").has("on_rate"));
  EXPECT_EQ(root.child("traffic").get_double("on_rate", 1.0), 1.0);
  EXPECT_NO_THROW(root.child("traffic").check_keys({"rate"}));  // gone, not a null value
  EXPECT_NO_THROW(root.check_keys({"traffic"}));
}

TEST_F(Overrides, GoToTheFileMountedUnderTheirFirstKey) {
  const fs::path sys = write("sys.yaml", "noc: {vcs: 2}\n");
  const fs::path main = write("c.yaml", "system: sys.yaml\ntraffic: {rate: 0.1}\n");
  command_overrides().add(parse_override("system.noc.vcs=4"));
  command_overrides().add(parse_override("traffic.rate=0.2"));
  const YamlNode root = YamlNode::load_file(main, ConfigMount::root());
  EXPECT_EQ(root.child("system").as_string(), "sys.yaml");  // the file name is not replaced by a map
  EXPECT_EQ(root.child("traffic").child("rate").as_double(), 0.2);
  // system.noc.vcs is not taken yet: the system file has not been read.
  EXPECT_THAT(message_of([] { command_overrides().check_all_taken(); }), HasSubstr("'system' is a value, not a section"));
  const YamlNode s = YamlNode::load_file(sys, ConfigMount::root().child("system"));
  EXPECT_EQ(s.child("noc").child("vcs").as_int(), 4);
  EXPECT_EQ(message_of([&] { s.child("noc").child("vcs").fail("too many"); }), "--set system.noc.vcs=4: noc.vcs: too many");
  EXPECT_NO_THROW(command_overrides().check_all_taken());
  // A file read without a mount (a library caller) takes none.
  EXPECT_EQ(YamlNode::load_file(sys).child("noc").child("vcs").as_int(), 2);
}

TEST_F(Overrides, OneThatNothingTakesOrReadsIsAnError) {
  const fs::path model = write("m.yaml", "layers: 2\nnotes: {a: 1}\n");
  command_overrides().add(parse_override("modle.layers=4"));
  YamlNode::load_file(model, ConfigMount::at("model"));
  EXPECT_THAT(message_of([] { command_overrides().check_all_taken(); }),
              HasSubstr("--set modle.layers=4: no config this command reads is at 'modle.layers'; key paths start at model."));
  // Taken by the file, but in a part the command never reads: it would change nothing.
  command_overrides().clear();
  command_overrides().add(parse_override("model.notes.a=2"));
  const YamlNode m = YamlNode::load_file(model, ConfigMount::at("model"));
  EXPECT_EQ(m.child("layers").as_int(), 2);
  EXPECT_THAT(message_of([] { command_overrides().check_all_taken(); }), HasSubstr("this command does not use 'model.notes.a'"));
  m.child("notes").child("a").as_int();
  EXPECT_NO_THROW(command_overrides().check_all_taken());
}

// The provenance every JSON carries records each file the command read as resolved, at its mount.
TEST_F(Overrides, ProvenanceRecordsTheResolvedConfigs) {
  RunProvenance::current().clear();
  const fs::path sys = write("sys.yaml", "noc: {vcs: 2}\nname: \"007\"\n");
  command_overrides().add(parse_override("system.noc.vcs=4"));
  YamlNode::load_file(sys, ConfigMount::at("system"));
  YamlNode::load_file(sys);  // a library read: not the command's config
  RunProvenance::current().set_seed(12);
  const nlohmann::ordered_json j = RunProvenance::current().to_json();
  EXPECT_EQ(j.at("seed"), 12);
  ASSERT_EQ(j.at("configs").size(), 1u);
  EXPECT_EQ(j.at("configs").at("system").at("file"), sys.string());
  const auto& resolved = j.at("configs").at("system").at("resolved");
  EXPECT_TRUE(resolved.at("noc").at("vcs").is_number_integer());
  EXPECT_EQ(resolved.at("noc").at("vcs"), 4);       // after the override
  EXPECT_EQ(resolved.at("name"), "007");           // a quoted scalar stays a string
  RunProvenance::current().clear();
}

}  // namespace
}  // namespace wafersim
