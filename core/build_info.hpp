#pragma once
// What this build is: the project version and the git commit it was built from (with "-dirty"
// when the tree had uncommitted changes), recorded in every results file.
namespace wafersim {

const char* version();
const char* git_hash();

}  // namespace wafersim
