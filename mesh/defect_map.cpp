#include "mesh/defect_map.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/csv.hpp"
#include "core/input_error.hpp"

namespace wafersim::mesh {

DefectMap::DefectMap(const Wafer& wafer)
    : rows_(wafer.rows()), cols_(wafer.cols()), flags_(wafer.cells(), 0), speed_(wafer.cells(), 1.0f) {
  for (int r = 0; r < rows_; ++r) {
    for (int c = 0; c < cols_; ++c) {
      if (!wafer.is_site(r, c)) continue;
      std::uint8_t f = kSite | kCompute | kRouter;
      if (wafer.is_site(r, c + 1)) f |= kEast;
      if (wafer.is_site(r + 1, c)) f |= kSouth;
      flags_[wafer.id(r, c)] = f;
    }
  }
}

DefectMap::Counts DefectMap::counts() const {
  Counts n;
  for (std::size_t t = 0; t < flags_.size(); ++t) {
    const std::uint8_t f = flags_[t];
    if (!(f & kSite)) continue;
    ++n.sites;
    if ((f & (kCompute | kRouter)) == (kCompute | kRouter)) ++n.tiles_alive;
    if (!(f & kCompute)) ++n.compute_dead;
    if (!(f & kRouter)) ++n.router_dead;
    const int r = static_cast<int>(t / cols_), c = static_cast<int>(t % cols_);
    if (c + 1 < cols_ && (flags_[t + 1] & kSite)) {
      ++n.links;
      if (!(f & kEast)) ++n.links_dead;
    }
    if (r + 1 < rows_ && (flags_[t + cols_] & kSite)) {
      ++n.links;
      if (!(f & kSouth)) ++n.links_dead;
    }
  }
  return n;
}

void DefectMap::save_csv(const std::filesystem::path& file) const {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.string().c_str(), "wb"), &std::fclose);
  if (!out) throw InputError(fmt::format("{}: cannot open for writing", file.string()));
  fmt::print(out.get(), "# wafersim defect map v1\n# rows={} cols={}\nrow,col,compute,router,link_e,link_s,speed\n", rows_, cols_);
  for (std::size_t t = 0; t < flags_.size(); ++t) {
    const std::uint8_t f = flags_[t];
    if (!(f & kSite)) continue;
    fmt::print(out.get(), "{},{},{:d},{:d},{:d},{:d},{:.6g}\n", t / cols_, t % cols_, (f & kCompute) != 0, (f & kRouter) != 0,
               (f & kEast) != 0, (f & kSouth) != 0, speed_[t]);
  }
}

namespace {

long parse_long(const std::string& field, const std::string& file, int line, const char* column) {
  long value = 0;
  const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || ptr != field.data() + field.size()) {
    throw InputError(fmt::format("{}:{}: {}: expected a whole number, got '{}'", file, line, column, field));
  }
  return value;
}

bool parse_bit(const std::string& field, const std::string& file, int line, const char* column) {
  if (field == "0") return false;
  if (field == "1") return true;
  throw InputError(fmt::format("{}:{}: {}: expected 0 or 1, got '{}'", file, line, column, field));
}

}  // namespace

DefectMap DefectMap::load_csv(const std::filesystem::path& path, const Wafer& wafer) {
  const std::string file = path.string();
  if (!std::filesystem::exists(path)) throw InputError(fmt::format("{}: defect map not found", file));
  const CsvText csv = read_csv_file(path);
  bool versioned = false;
  int rows = -1, cols = -1;
  for (const auto& comment : csv.comments) {
    if (comment.find("wafersim defect map v1") != std::string::npos) versioned = true;
    if (std::sscanf(comment.c_str(), " rows=%d cols=%d", &rows, &cols) == 2) continue;
  }
  if (!versioned) throw InputError(fmt::format("{}:1: not a wafersim defect map (missing '# wafersim defect map v1')", file));
  if (rows < 0) throw InputError(fmt::format("{}: missing the '# rows=R cols=C' line", file));
  if (rows != wafer.rows() || cols != wafer.cols()) {
    throw InputError(fmt::format("{}: map is for a {} x {} tile grid, but the wafer config gives {} x {}", file, rows,
                                 cols, wafer.rows(), wafer.cols()));
  }
  const std::vector<std::string> header{"row", "col", "compute", "router", "link_e", "link_s", "speed"};
  if (csv.records.empty() || csv.records.front().fields != header) {
    throw InputError(fmt::format("{}:{}: expected the header row,col,compute,router,link_e,link_s,speed", file,
                                 csv.records.empty() ? 1 : csv.records.front().line));
  }
  DefectMap map(wafer);
  std::vector<int> seen_line(wafer.cells(), 0);
  for (std::size_t i = 1; i < csv.records.size(); ++i) {
    const CsvRecord& rec = csv.records[i];
    if (rec.fields.size() != header.size()) {
      throw InputError(fmt::format("{}:{}: expected {} fields, got {}", file, rec.line, header.size(), rec.fields.size()));
    }
    const long r = parse_long(rec.fields[0], file, rec.line, "row");
    const long c = parse_long(rec.fields[1], file, rec.line, "col");
    if (r < 0 || c < 0 || r >= rows || c >= cols) {
      throw InputError(fmt::format("{}:{}: tile ({}, {}) is outside the {} x {} grid", file, rec.line, r, c, rows, cols));
    }
    if (!wafer.is_site(static_cast<int>(r), static_cast<int>(c))) {
      throw InputError(fmt::format("{}:{}: tile ({}, {}) is not a tile site of this wafer (off the usable disk)", file, rec.line, r, c));
    }
    const TileId t = wafer.id(static_cast<int>(r), static_cast<int>(c));
    if (seen_line[t]) {
      throw InputError(fmt::format("{}:{}: tile ({}, {}) appears twice (first on line {})", file, rec.line, r, c, seen_line[t]));
    }
    seen_line[t] = rec.line;
    if (!parse_bit(rec.fields[2], file, rec.line, "compute")) map.kill_compute(t);
    if (!parse_bit(rec.fields[3], file, rec.line, "router")) map.kill_router(t);
    const bool east = parse_bit(rec.fields[4], file, rec.line, "link_e");
    const bool south = parse_bit(rec.fields[5], file, rec.line, "link_s");
    if (east && !wafer.is_site(static_cast<int>(r), static_cast<int>(c) + 1)) {
      throw InputError(fmt::format("{}:{}: link_e is 1 but tile ({}, {}) has no east neighbour", file, rec.line, r, c));
    }
    if (south && !wafer.is_site(static_cast<int>(r) + 1, static_cast<int>(c))) {
      throw InputError(fmt::format("{}:{}: link_s is 1 but tile ({}, {}) has no south neighbour", file, rec.line, r, c));
    }
    if (!east) map.kill_east_link(t);
    if (!south) map.kill_south_link(t);
    char* end = nullptr;
    const double speed = std::strtod(rec.fields[6].c_str(), &end);
    if (rec.fields[6].empty() || *end != '\0' || !(speed >= kMinSpeed && speed <= kMaxSpeed)) {
      throw InputError(fmt::format("{}:{}: speed: expected a number in [{:g}, {:g}] (the tile's clock relative to nominal), got '{}'", file,
                                   rec.line, kMinSpeed, kMaxSpeed, rec.fields[6]));
    }
    map.set_speed(t, static_cast<float>(speed));
  }
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (wafer.is_site(r, c) && !seen_line[wafer.id(r, c)]) {
        throw InputError(fmt::format("{}: tile site ({}, {}) is missing: the map lists {} of {} sites", file, r, c,
                                     csv.records.size() - 1, wafer.site_count()));
      }
    }
  }
  return map;
}

}  // namespace wafersim::mesh
