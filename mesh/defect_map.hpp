#pragma once
// What survived on one wafer: per tile site, whether its compute (PE + SRAM) and its router work,
// whether each of its links works, and its speed factor (1 = nominal clock, 0.9 = 10% slower).
//
// Links are stored once, on the tile west of / above them: tile (r, c) holds the link to (r, c+1)
// ("east") and to (r+1, c) ("south"). A link exists only between two sites.
//
// CSV format (save_csv / load_csv), one line per tile site, in any order:
//   # wafersim defect map v1
//   # rows=922 cols=922                  (the wafer's tile grid; must match the config)
//   row,col,compute,router,link_e,link_s,speed
//   0,0,1,1,1,0,0.98731
// compute/router/link_e/link_s are 0 (dead) or 1 (alive); link_e/link_s must be 0 where there is no
// neighbouring site; speed > 0. Every site appears exactly once; cells off the disk never appear.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mesh/wafer.hpp"

namespace wafersim::mesh {

class DefectMap {
 public:
  // All sites alive, every link between two sites alive, speed 1.
  explicit DefectMap(const Wafer& wafer);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  bool site(TileId t) const { return flags_[t] & kSite; }
  bool compute_alive(TileId t) const { return flags_[t] & kCompute; }
  bool router_alive(TileId t) const { return flags_[t] & kRouter; }
  // A usable compute tile: both compute and router work.
  bool tile_alive(TileId t) const { return (flags_[t] & (kCompute | kRouter)) == (kCompute | kRouter); }
  bool east_link_alive(TileId t) const { return flags_[t] & kEast; }
  bool south_link_alive(TileId t) const { return flags_[t] & kSouth; }
  // The tile's clock relative to nominal, in [kMinSpeed, kMaxSpeed]: process variation moves it by
  // tens of percent; a factor of 100 either way is no longer the same design.
  static constexpr double kMinSpeed = 0.01, kMaxSpeed = 100.0;
  float speed(TileId t) const { return speed_[t]; }

  void kill_compute(TileId t) { flags_[t] &= static_cast<std::uint8_t>(~kCompute); }
  void kill_router(TileId t) { flags_[t] &= static_cast<std::uint8_t>(~kRouter); }
  void kill_east_link(TileId t) { flags_[t] &= static_cast<std::uint8_t>(~kEast); }
  void kill_south_link(TileId t) { flags_[t] &= static_cast<std::uint8_t>(~kSouth); }
  void set_speed(TileId t, float s) { speed_[t] = s; }

  // Killer defects that were drawn (including ones that hit an already dead part); 0 if loaded.
  std::uint64_t killer_defects() const { return killer_defects_; }
  void set_killer_defects(std::uint64_t n) { killer_defects_ = n; }

  struct Counts {
    std::size_t sites = 0, tiles_alive = 0, compute_dead = 0, router_dead = 0, links = 0, links_dead = 0;
  };
  Counts counts() const;

  void save_csv(const std::filesystem::path& file) const;
  // Reads a map for `wafer`; throws InputError naming the file and line of the first problem.
  static DefectMap load_csv(const std::filesystem::path& file, const Wafer& wafer);

  std::size_t memory_bytes() const { return flags_.capacity() + speed_.capacity() * sizeof(float); }

 private:
  static constexpr std::uint8_t kSite = 1, kCompute = 2, kRouter = 4, kEast = 8, kSouth = 16;
  int rows_;
  int cols_;
  std::vector<std::uint8_t> flags_;
  std::vector<float> speed_;
  std::uint64_t killer_defects_ = 0;
};

}  // namespace wafersim::mesh
