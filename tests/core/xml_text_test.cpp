#include "core/xml_text.hpp"

#include <gtest/gtest.h>

namespace wafersim {
namespace {

TEST(XmlText, EscapesTheFiveSpecialCharactersAndNothingElse) {
  EXPECT_EQ(xml_escape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&apos;d");
  EXPECT_EQ(xml_escape("D0 (defects/cm^2), 2.5 days"), "D0 (defects/cm^2), 2.5 days");
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");  // text, not markup: escaped again
  EXPECT_EQ(xml_escape(""), "");
}

}  // namespace
}  // namespace wafersim
