#include "core/csv.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/input_error.hpp"
#include "core/input_file.hpp"

namespace wafersim {
namespace {

// 0666 less the process's umask (read once: umask can only be read by setting it).
mode_t file_mode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(022);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

}  // namespace

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
  std::string text = read_input_file(file);
  // A UTF-8 byte-order mark (spreadsheets write one) is not text, as the YAML reader also knows.
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  return text;
}

CsvText read_csv_file(const std::filesystem::path& file) { return parse_csv(read_text_file(file), file.string()); }

void write_file_atomically(const std::filesystem::path& file, const std::string& content) {
  // A unique temporary name in the same folder (so the rename is atomic): two writers of one file,
  // or of files whose names differ only by a ".tmp", never share a temporary.
  std::string tmp = file.string() + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw InputError(fmt::format("{}: cannot write: {}", file.string(), std::strerror(errno)));
  bool ok = true;
  for (std::size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int err = ok ? 0 : errno;
  ::fchmod(fd, file_mode());  // mkstemp makes it 0600: give it the mode a plain create would
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const int e = ok ? errno : err;
    ::unlink(tmp.c_str());
    throw InputError(fmt::format("{}: cannot write: {}", file.string(), std::strerror(e)));
  }
}

}  // namespace wafersim
