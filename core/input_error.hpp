#pragma once
// Errors caused by what the user gave us (a config, a defect map, a flag). The command line turns
// every InputError into one line on stderr and exit code 2; anything else is a bug.
#include <stdexcept>
#include <string>

namespace wafersim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A problem at a known place in a text file: formats as "file:line:col: key.path: problem".
// line and col are 1-based; 0 means unknown and is left out.
class ConfigError : public InputError {
 public:
  ConfigError(std::string file, int line, int col, std::string key_path, std::string problem);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int col() const { return col_; }
  const std::string& key_path() const { return key_path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_;
  int line_;
  int col_;
  std::string key_path_;
  std::string problem_;
};

}  // namespace wafersim
