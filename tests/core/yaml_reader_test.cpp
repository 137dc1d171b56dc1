// Config errors name the file, line, column and key path, and suggest the key meant.
#include "core/yaml_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wafersim {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(YamlReader, UnknownKeyNamesPlaceAndSuggestsTheKnownKey) {
  const YamlNode root = YamlNode::parse("wafer:\n  diameter_mm: 300\n  tiel: {width_mm: 1}\n", "sys.yaml");
  const std::string e = error_of([&] { root.child("wafer").check_keys({"diameter_mm", "tile"}); });
  EXPECT_THAT(e, HasSubstr("sys.yaml:3:3: wafer.tiel: unknown key (did you mean 'tile'?)"));
}

TEST(YamlReader, WrongTypeAndRangeAreReportedWithTheValue) {
  const YamlNode root = YamlNode::parse("a: abc\nb: -0.5\nc: 1.5\nd: [1, 2]\n", "x.yaml");
  EXPECT_THAT(error_of([&] { root.child("a").as_double(); }), HasSubstr("x.yaml:1:4: a: expected a number, got 'abc'"));
  EXPECT_THAT(error_of([&] { root.child("b").as_double(Range::non_negative()); }), HasSubstr("x.yaml:2:4: b: must be >= 0, got -0.5"));
  EXPECT_THAT(error_of([&] { root.child("c").as_int(); }), HasSubstr("c: expected a whole number"));
  EXPECT_THAT(error_of([&] { root.child("d").as_string(); }), HasSubstr("d: expected a string, got a list"));
  EXPECT_THAT(error_of([&] { root.child("b").as_double(Range::positive()); }), HasSubstr("must be > 0"));
}

TEST(YamlReader, QuotedNumbersAreStringsNotNumbers) {
  const YamlNode root = YamlNode::parse("a: \"1.5\"\n", "q.yaml");
  EXPECT_THAT(error_of([&] { root.child("a").as_double(); }), HasSubstr("expected a number"));
}

TEST(YamlReader, MissingRequiredKeyPointsAtTheParent) {
  const YamlNode root = YamlNode::parse("wafer:\n  diameter_mm: 300\n", "m.yaml");
  EXPECT_THAT(error_of([&] { root.child("wafer").require("tile"); }), HasSubstr("m.yaml:2:3: wafer: missing required key 'tile'"));
}

TEST(YamlReader, DuplicateKeysAreErrors) {
  const YamlNode root = YamlNode::parse("a: 1\na: 2\n", "d.yaml");
  EXPECT_THAT(error_of([&] { root.check_keys({"a"}); }), HasSubstr("d.yaml:2:1: a: duplicate key"));
}

TEST(YamlReader, SyntaxErrorsHaveAPosition) {
  EXPECT_THAT(error_of([] { YamlNode::parse("a: [1, 2\nb: 3\n", "s.yaml"); }), HasSubstr("s.yaml:"));
  EXPECT_THAT(error_of([] { YamlNode::parse("a: [1, 2\nb: 3\n", "s.yaml"); }), HasSubstr("YAML syntax error"));
}

TEST(YamlReader, DefaultsApplyOnlyToMissingKeys) {
  const YamlNode root = YamlNode::parse("x: 2\n", "d.yaml");
  EXPECT_EQ(root.get_double("x", 5.0), 2.0);
  EXPECT_EQ(root.get_double("y", 5.0), 5.0);
  EXPECT_EQ(root.child("nested").get_int("z", 3), 3);  // a missing section reads as empty
  EXPECT_THAT(error_of([&] { root.get_choice("x", "a", {"alpha", "beta"}); }), HasSubstr("'2' is not one of: alpha, beta"));
}

TEST(YamlReader, MissingFileIsAnInputError) {
  EXPECT_THROW(YamlNode::load_file("/nonexistent/nowhere.yaml"), InputError);
}

}  // namespace
}  // namespace wafersim
