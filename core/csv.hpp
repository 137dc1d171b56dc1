#pragma once
// Minimal RFC 4180 CSV: a writer that quotes where needed and flushes whole rows, and a reader that
// keeps line numbers for error messages. Lines starting with '#' are comments to the reader.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace wafersim {

// One row as CSV text, with the trailing newline.
std::string csv_row(const std::vector<std::string>& fields);

// Appends rows to a file. Each row goes out in one write followed by a flush, so a reader (or a
// crash) never sees half a row unless the process dies inside that one write.
class CsvAppender {
 public:
  explicit CsvAppender(const std::filesystem::path& file);  // opens for append
  ~CsvAppender();
  CsvAppender(const CsvAppender&) = delete;
  CsvAppender& operator=(const CsvAppender&) = delete;
  void write_row(const std::vector<std::string>& fields);

 private:
  std::FILE* file_ = nullptr;
  std::string name_;
};

struct CsvRecord {
  int line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

struct CsvText {
  std::vector<std::string> comments;  // '#' lines, without the '#', in order
  std::vector<CsvRecord> records;     // header first, if the file has one
  bool ends_with_partial_line = false;  // last line had no newline
};

// Parses CSV text. Throws InputError naming `file_name` and the line on an unterminated quote.
CsvText parse_csv(const std::string& text, const std::string& file_name);
CsvText read_csv_file(const std::filesystem::path& file);

// Writes `content` to `file` through a temporary file and a rename, so readers see the old or the
// new file, never a mixture.
void write_file_atomically(const std::filesystem::path& file, const std::string& content);
// A text input (core/input_file.hpp's checks), without a leading UTF-8 byte-order mark.
std::string read_text_file(const std::filesystem::path& file);

}  // namespace wafersim
