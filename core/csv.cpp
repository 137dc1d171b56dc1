#include "core/csv.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/input_error.hpp"

namespace wafersim {

std::string csv_row(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) row += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\n\r") == std::string::npos) {
      row += f;
    } else {
      row += '"';
      for (char c : f) {
        if (c == '"') row += '"';
        row += c;
      }
      row += '"';
    }
  }
  row += '\n';
  return row;
}

CsvAppender::CsvAppender(const std::filesystem::path& file) : name_(file.string()) {
  file_ = std::fopen(name_.c_str(), "ab");
  if (!file_) throw InputError(fmt::format("{}: cannot open for writing", name_));
}

CsvAppender::~CsvAppender() {
  if (file_) std::fclose(file_);
}

void CsvAppender::write_row(const std::vector<std::string>& fields) {
  const std::string row = csv_row(fields);
  if (std::fwrite(row.data(), 1, row.size(), file_) != row.size() || std::fflush(file_) != 0) {
    throw std::runtime_error(fmt::format("{}: write failed", name_));
  }
}

CsvText parse_csv(const std::string& text, const std::string& file_name) {
  CsvText out;
  std::size_t i = 0;
  int line = 1;
  const std::size_t n = text.size();
  while (i < n) {
    if (text[i] == '#') {
      const std::size_t end = text.find('\n', i);
      std::string comment = text.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      if (!comment.empty() && comment.back() == '\r') comment.pop_back();
      out.comments.push_back(std::move(comment));
      if (end == std::string::npos) {
        out.ends_with_partial_line = true;
        break;
      }
      i = end + 1;
      ++line;
      continue;
    }
    CsvRecord record;
    record.line = line;
    std::string field;
    bool in_quotes = false;
    bool row_done = false;
    while (i < n && !row_done) {
      const char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          in_quotes = false;
        } else {
          if (c == '\n') ++line;
          field += c;
        }
        ++i;
        continue;
      }
      if (c == '"' && field.empty()) {
        in_quotes = true;
      } else if (c == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n') {
        row_done = true;
        ++line;
      } else if (c != '\r') {
        field += c;
      }
      ++i;
    }
    if (in_quotes) throw InputError(fmt::format("{}:{}: unterminated quoted field", file_name, record.line));
    if (!row_done) out.ends_with_partial_line = true;
    record.fields.push_back(std::move(field));
    // A blank line is not a record.
    if (!(record.fields.size() == 1 && record.fields[0].empty())) out.records.push_back(std::move(record));
  }
  return out;
}

std::string read_text_file(const std::filesystem::path& file) {
  if (std::filesystem::is_directory(file)) throw InputError(fmt::format("{}: is a directory", file.string()));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

CsvText read_csv_file(const std::filesystem::path& file) { return parse_csv(read_text_file(file), file.string()); }

void write_file_atomically(const std::filesystem::path& file, const std::string& content) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(fmt::format("{}: cannot open for writing", tmp.string()));
    out << content;
    if (!out.flush()) throw std::runtime_error(fmt::format("{}: write failed", tmp.string()));
  }
  std::filesystem::rename(tmp, file);
}

}  // namespace wafersim
