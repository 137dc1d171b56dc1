#pragma once
// Text placed in SVG or other XML: the five characters XML gives a meaning escaped, so that a
// model, system or file name with '<', '&' or a quote renders as written in every viewer
// (librsvg, Inkscape, browsers) and never breaks the document.
#include <string>
#include <string_view>

namespace wafersim {

std::string xml_escape(std::string_view text);

}  // namespace wafersim
