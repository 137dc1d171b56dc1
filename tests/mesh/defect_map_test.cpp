// Defect-map files: a round trip, and every kind of bad file rejected with its line.
#include "mesh/defect_map.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/input_error.hpp"
#include "mesh/defect_sampler.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

struct MapFiles : ::testing::Test {
  SystemConfig cfg = testing::config_from(testing::rect_wafer(3, 2));
  Wafer wafer{cfg.wafer};
  fs::path file = fs::temp_directory_path() / ("wafersim-map-" + std::to_string(::getpid()) + ".csv");
  void TearDown() override { fs::remove(file); }
  std::string load_error(const std::string& text) {
    std::ofstream(file) << text;
    try {
      DefectMap::load_csv(file, wafer);
    } catch (const InputError& e) {
      return e.what();
    }
    return "(loaded)";
  }
  static std::string good() {
    return "# wafersim defect map v1\n# rows=3 cols=2\nrow,col,compute,router,link_e,link_s,speed\n"
           "0,0,1,1,1,1,1\n0,1,1,1,0,1,1\n1,0,0,1,1,1,0.9\n1,1,1,0,0,1,1\n2,0,1,1,0,0,1\n2,1,1,1,0,0,1.1\n";
  }
};

TEST_F(MapFiles, RoundTripKeepsEveryField) {
  const SystemConfig big = testing::config_from(testing::rect_wafer(40, 30) +
                                                "defects: {d0_per_cm2: 30, critical_area: {compute: 0.4, router: 0.2, link: 0.1},"
                                                " speed: {sigma: 0.2}}\n");
  const Wafer w(big.wafer);
  const DefectMap a = sample_defects(w, big.defects, 5);
  a.save_csv(file);
  const DefectMap b = DefectMap::load_csv(file, w);
  for (TileId t = 0; t < w.cells(); ++t) {
    ASSERT_EQ(a.compute_alive(t), b.compute_alive(t));
    ASSERT_EQ(a.router_alive(t), b.router_alive(t));
    ASSERT_EQ(a.east_link_alive(t), b.east_link_alive(t));
    ASSERT_EQ(a.south_link_alive(t), b.south_link_alive(t));
    ASSERT_NEAR(a.speed(t), b.speed(t), 1e-5 * a.speed(t));
  }
  EXPECT_GT(a.counts().links_dead, 0u);
}

TEST_F(MapFiles, AGoodHandWrittenMapLoads) {
  EXPECT_EQ(load_error(good()), "(loaded)");
  const DefectMap m = DefectMap::load_csv(file, wafer);
  EXPECT_FALSE(m.compute_alive(wafer.id(1, 0)));
  EXPECT_FALSE(m.router_alive(wafer.id(1, 1)));
  EXPECT_FALSE(m.east_link_alive(wafer.id(0, 1)));
  EXPECT_FLOAT_EQ(m.speed(wafer.id(2, 1)), 1.1f);
}

TEST_F(MapFiles, MalformedMapsAreRejectedWithTheirLine) {
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_THAT(load_error("row,col\n"), HasSubstr(":1: not a wafersim defect map"));
  EXPECT_THAT(load_error(replace(good(), "rows=3 cols=2", "rows=4 cols=2")), HasSubstr("map is for a 4 x 2 tile grid, but the wafer config gives 3 x 2"));
  EXPECT_THAT(load_error(replace(good(), "1,0,0,1,1,1,0.9", "1,0,2,1,1,1,0.9")), HasSubstr(":6: compute: expected 0 or 1, got '2'"));
  EXPECT_THAT(load_error(replace(good(), "1,0,0,1,1,1,0.9", "1,0,0,1,1,1")), HasSubstr(":6: expected 7 fields, got 6"));
  EXPECT_THAT(load_error(replace(good(), "1,0,0,1,1,1,0.9", "0,0,0,1,1,1,0.9")), HasSubstr(":6: tile (0, 0) appears twice (first on line 4)"));
  EXPECT_THAT(load_error(replace(good(), "1,0,0,1,1,1,0.9", "7,0,0,1,1,1,0.9")), HasSubstr(":6: tile (7, 0) is outside the 3 x 2 grid"));
  EXPECT_THAT(load_error(replace(good(), "2,1,1,1,0,0,1.1\n", "")), HasSubstr("tile site (2, 1) is missing"));
  EXPECT_THAT(load_error(replace(good(), "0,1,1,1,0,1,1", "0,1,1,1,1,1,1")), HasSubstr(":5: link_e is 1 but tile (0, 1) has no east neighbour"));
  EXPECT_THAT(load_error(replace(good(), "2,0,1,1,0,0,1", "2,0,1,1,0,1,1")), HasSubstr(":8: link_s is 1 but tile (2, 0) has no south neighbour"));
  // Speed factors are bounded (1e-300 and 1e300 passed, and the clocks offered 50 flits/node/cycle).
  for (const char* speed : {"-1", "1e-300", "1e300", "0.001", "nan", "inf"})
    EXPECT_THAT(load_error(replace(good(), "0.9", speed)),
                HasSubstr(std::string(":6: speed: expected a number in [0.01, 100] (the tile's clock relative to nominal), got '") + speed + "'"));
  EXPECT_THAT(load_error(replace(good(), "1,0,0,1,1,1,0.9", "x,0,0,1,1,1,0.9")), HasSubstr(":6: row: expected a whole number, got 'x'"));
  EXPECT_THAT(load_error(replace(good(), "link_s,speed", "link_s,sped")), HasSubstr(":3: expected the header"));
}

// A map saved by a spreadsheet starts with a UTF-8 byte-order mark: it reads like any other (the
// YAML reader accepted one; the map reader took it for part of the first line).
TEST_F(MapFiles, AByteOrderMarkIsAccepted) {
  std::ofstream(file) << "\xEF\xBB\xBF" << good();
  EXPECT_FLOAT_EQ(DefectMap::load_csv(file, wafer).speed(wafer.id(2, 1)), 1.1f);
}

// A device named as a map is refused at once (map_file: /dev/zero read for ever).
TEST_F(MapFiles, ADeviceIsNotAMap) {
  try {
    DefectMap::load_csv("/dev/zero", wafer);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("/dev/zero: is a device, not a file"));
  }
}

TEST_F(MapFiles, TilesOffTheDiskCannotAppear) {
  WaferSpec s;
  s.tile_width_mm = s.tile_height_mm = 40;
  const Wafer disk(s);
  ASSERT_FALSE(disk.is_site(0, 0));
  std::ofstream(file) << "# wafersim defect map v1\n# rows=" << disk.rows() << " cols=" << disk.cols()
                      << "\nrow,col,compute,router,link_e,link_s,speed\n0,0,1,1,0,0,1\n";
  try {
    DefectMap::load_csv(file, disk);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(":4: tile (0, 0) is not a tile site of this wafer"));
  }
}

}  // namespace
}  // namespace wafersim::mesh
