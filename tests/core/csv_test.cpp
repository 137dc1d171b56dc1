#include "core/csv.hpp"

#include <gtest/gtest.h>

#include "core/input_error.hpp"

namespace wafersim {
namespace {

TEST(Csv, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_row({"a", "b,c", "say \"hi\"", ""}), "a,\"b,c\",\"say \"\"hi\"\"\",\n");
}

TEST(Csv, ParsesItsOwnQuotingCommentsAndLineNumbers) {
  const std::string text = "# comment\nh1,h2\n" + csv_row({"x,y", "2"}) + "\n" + csv_row({"multi\nline", "3"}) + "last,4";
  const CsvText csv = parse_csv(text, "t.csv");
  ASSERT_EQ(csv.comments.size(), 1u);
  ASSERT_EQ(csv.records.size(), 4u);
  EXPECT_EQ(csv.records[0].line, 2);
  EXPECT_EQ(csv.records[1].fields, (std::vector<std::string>{"x,y", "2"}));
  EXPECT_EQ(csv.records[2].fields[0], "multi\nline");
  EXPECT_EQ(csv.records[2].line, 5);
  EXPECT_EQ(csv.records[3].line, 7);
  EXPECT_TRUE(csv.ends_with_partial_line);
}

TEST(Csv, UnterminatedQuoteIsAnErrorWithItsLine) {
  try {
    parse_csv("a,b\n1,\"oops\n", "bad.csv");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "bad.csv:2: unterminated quoted field");
  }
}

}  // namespace
}  // namespace wafersim
