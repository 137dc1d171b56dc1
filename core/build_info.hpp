#pragma once
// What this build is: the project version and the git commit it was built from (with
// "-dirty-<hash of the diff>" when the tree had uncommitted changes), recorded in every results
// file and part of every sweep point's identity.
namespace wafersim {

const char* version();
const char* git_hash();

}  // namespace wafersim
