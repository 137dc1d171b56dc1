#pragma once
// "Did you mean" hints for misspelt keys and names.
#include <string>
#include <string_view>
#include <vector>

namespace wafersim {

// Levenshtein edit distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo (at most a third of
// the word's length, and at least 2 edits allowed), else an empty string.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" : ready to append to an error message.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace wafersim
