// Where the data files are: relative to the executable in an installed layout
// (PREFIX/bin/x -> PREFIX/share/wafersim/NAME, GNUInstallDirs' default), else the build-time folder.
#include "core/install_paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace wafersim {
namespace {

namespace fs = std::filesystem;

struct InstallPaths : ::testing::Test {
  fs::path root;
  void SetUp() override {
    root = fs::temp_directory_path() / ("wafersim-install-paths-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "prefix" / "bin");
  }
  void TearDown() override { fs::remove_all(root); }
};

TEST_F(InstallPaths, TheExecutableIsThisProgram) {
  const fs::path exe = executable_path();
  EXPECT_TRUE(exe.is_absolute()) << exe;
  EXPECT_EQ(exe.filename(), "core_tests");
  EXPECT_TRUE(fs::is_regular_file(exe)) << exe;
}

TEST_F(InstallPaths, AnInstalledLayoutIsFoundBesideTheExecutable) {
  const fs::path scripts = root / "prefix" / "share" / "wafersim" / "scripts";
  fs::create_directories(scripts);
  EXPECT_EQ(find_data_dir(root / "prefix" / "bin" / "wafersim", "scripts", "/nonexistent/src/scripts"), scripts);
  // Another name is looked up the same way, and falls back on its own.
  EXPECT_EQ(find_data_dir(root / "prefix" / "bin" / "wafersim", "configs", "/nonexistent/src/configs"), "/nonexistent/src/configs");
}

TEST_F(InstallPaths, WithoutAnInstalledLayoutTheBuildTimeFolderIsUsedAsGiven) {
  const fs::path exe = root / "prefix" / "bin" / "wafersim";
  EXPECT_EQ(find_data_dir(exe, "scripts", "/nonexistent/src/scripts"), "/nonexistent/src/scripts");
  // A file where the folder would be is not the folder.
  fs::create_directories(root / "prefix" / "share" / "wafersim");
  std::ofstream(root / "prefix" / "share" / "wafersim" / "scripts") << "not a folder\n";
  EXPECT_EQ(find_data_dir(exe, "scripts", "/src/scripts"), "/src/scripts");
  // An executable path the system did not give.
  EXPECT_EQ(find_data_dir("", "scripts", "/src/scripts"), "/src/scripts");
}

// core_tests runs from the build tree, which has no share/wafersim: the plotting scripts come
// from the source tree.
TEST_F(InstallPaths, TheBuildTreeUsesTheSourceTreesScripts) {
  const fs::path dir = scripts_dir();
  EXPECT_EQ(fs::weakly_canonical(dir), fs::weakly_canonical(fs::path(WAFERSIM_SOURCE_DIR) / "scripts"));
  EXPECT_TRUE(fs::is_regular_file(dir / "plot_sweep.py"));
  EXPECT_TRUE(fs::is_regular_file(dir / "plot_noc.py"));
}

}  // namespace
}  // namespace wafersim
