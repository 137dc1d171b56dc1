#include "core/build_info.hpp"

#include "git_hash.hpp"  // generated at build time by cmake/git_hash.cmake

namespace wafersim {

const char* version() { return WAFERSIM_VERSION; }
const char* git_hash() { return WAFERSIM_GIT_HASH; }

}  // namespace wafersim
