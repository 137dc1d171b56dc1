// Every closed-form yield model at hand-computed points, and the sampler against the closed forms.
#include "mesh/yield_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "mesh/defect_sampler.hpp"
#include "mesh/yield_study.hpp"
#include "test_util.hpp"

namespace wafersim::mesh {
namespace {

std::unique_ptr<YieldModel> model(const std::string& name, const std::string& params = "") {
  const YamlNode defects = YamlNode::parse(params.empty() ? "{}" : params, "t.yaml");
  return make_yield_model(name, defects, defects);
}

// Values computed by hand (calculator) from the formulas in mesh/yield_model.hpp.
TEST(YieldModels, ClosedFormsAtHandComputedPoints) {
  struct Case {
    const char* name;
    const char* params;
    double y_half, y_two;  // Y(0.5), Y(2)
  };
  const Case cases[] = {
      {"poisson", "", 0.606530659713, 0.135335283237},       // exp(-l)
      {"murphy", "", 0.619272486985, 0.186911268104},        // ((1-exp(-l))/l)^2
      {"rectangular", "", 0.632120558829, 0.245421090278},   // (1-exp(-2l))/(2l)
      {"seeds", "", 2.0 / 3.0, 1.0 / 3.0},                   // 1/(1+l)
      {"moore", "", 0.493068691395, 0.243116734434},         // exp(-sqrt(l))
      {"negative_binomial", "alpha: 2", 0.64, 0.25},         // (1+l/2)^-2
      {"bose_einstein", "layers: 3", 8.0 / 27.0, 1.0 / 27.0} // (1+l)^-3
  };
  for (const Case& c : cases) {
    const auto m = model(c.name, c.params);
    EXPECT_NEAR(m->yield(0.5), c.y_half, 1e-11) << c.name;
    EXPECT_NEAR(m->yield(2.0), c.y_two, 1e-11) << c.name;
    EXPECT_NEAR(m->yield(0.0), 1.0, 1e-12) << c.name;
    EXPECT_NEAR(m->yield(1e-10), 1.0, 1e-5) << c.name;  // no cancellation trouble near 0
  }
}

TEST(YieldModels, NegativeBinomialTendsToPoissonAndSeedsIsAlphaOne) {
  EXPECT_NEAR(model("negative_binomial", "alpha: 1e6")->yield(1.3), std::exp(-1.3), 1e-6);
  EXPECT_NEAR(model("negative_binomial", "alpha: 1")->yield(1.3), 1.0 / 2.3, 1e-12);
}

// Monte Carlo tile yield with independent tiles (cluster_block: tile): binomial sampling of
// Y(lambda), so the mean of n tiles must be within 3 standard errors sqrt(Y (1 - Y) / n).
TEST(YieldModels, SampledTileYieldMatchesEveryClosedForm) {
  for (const char* m : {"poisson", "murphy", "rectangular", "seeds", "moore", "negative_binomial", "bose_einstein"}) {
    // 1 mm^2 tiles, compute takes all the critical area: lambda = D0 * 0.01 = 0.5.
    const SystemConfig cfg = testing::config_from(testing::rect_wafer(100, 100) + "defects:\n  model: " + m +
                                                  "\n  d0_per_cm2: 50\n  cluster_block: tile\n"
                                                  "  critical_area: {compute: 1, router: 0, link: 0}\n");
    const Wafer wafer(cfg.wafer);
    std::size_t alive = 0, n = 0;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      const DefectMap map = sample_defects(wafer, cfg.defects, seed);
      alive += map.counts().tiles_alive;
      n += map.counts().sites;
    }
    ASSERT_EQ(n, 40000u);
    const double y = cfg.defects.model->yield(0.5);
    const double se = std::sqrt(y * (1 - y) / n);
    EXPECT_NEAR(static_cast<double>(alive) / n, y, 3 * se) << m;
  }
}

// With a density shared by a whole reticle or wafer, a tile's survival is still Y(lambda), but the
// tiles of a block are correlated: Cov = Var(exp(-lambda M)) = Y(2 lambda) - Y(lambda)^2. So the
// fraction alive on a wafer of B blocks of n tiles has variance
//   [ (Y - Y^2) / n + (1 - 1/n) (Y(2 lambda) - Y^2) ] / B,
// far above the binomial (Y - Y^2) / (n B); the spread of 1500 wafers must match it.
TEST(YieldModels, ClusteringKeepsTheMarginalYieldAndHasTheCompoundVariance) {
  struct Case {
    const char* block;
    double n, B;
  };
  for (Case c : {Case{"reticle", 100, 16}, Case{"wafer", 1600, 1}}) {
    const SystemConfig cfg = testing::config_from(testing::rect_wafer(40, 40, "{width_mm: 10, height_mm: 10}") +
                                                  "defects:\n  model: negative_binomial\n  alpha: 0.7\n  d0_per_cm2: 20\n"
                                                  "  cluster_block: " + c.block + "\n  critical_area: {compute: 1, router: 0, link: 0}\n");
    const Wafer wafer(cfg.wafer);
    std::vector<double> fraction;
    for (std::uint64_t seed = 1; seed <= 1500; ++seed) {
      const auto counts = sample_defects(wafer, cfg.defects, seed).counts();
      fraction.push_back(static_cast<double>(counts.tiles_alive) / counts.sites);
    }
    const Estimate e = mean_interval(fraction);
    const double y = std::pow(1 + 0.2 / 0.7, -0.7), y2 = std::pow(1 + 0.4 / 0.7, -0.7);
    EXPECT_NEAR(e.mean, y, 3 * e.std_error) << c.block;
    const double variance = ((y - y * y) / c.n + (1 - 1 / c.n) * (y2 - y * y)) / c.B;
    EXPECT_NEAR(e.std_error / std::sqrt(variance / fraction.size()), 1.0, 0.12) << c.block;
    EXPECT_GT(variance, 10 * (y - y * y) / (c.n * c.B)) << c.block;
  }
}

// With no repair the array forms only if no tile dies; under wafer-level clustering that has the
// closed form Y(total lambda) = (1 + N lambda / alpha)^-alpha, checked over 10,000 wafers.
TEST(YieldModels, WholeWaferYieldUnderClusteringMatchesClosedForm) {
  const SystemConfig cfg = testing::config_from(testing::rect_wafer(10, 10) +
                                                "defects:\n  model: negative_binomial\n  alpha: 1.5\n  d0_per_cm2: 1\n"
                                                "  cluster_block: wafer\n  critical_area: {compute: 0.9, router: 0.1, link: 0}\n");
  StudyOptions o;
  o.stretch_sources = 0;
  const auto r = run_study(cfg, 99, 10000, o);
  ASSERT_TRUE(r && r->closed && r->closed->wafer_yield);
  const double expected = std::pow(1.0 + 100 * 0.01 / 1.5, -1.5);  // lambda per tile 0.01, 100 tiles
  EXPECT_NEAR(*r->closed->wafer_yield, expected, 1e-12);
  const double se = std::sqrt(expected * (1 - expected) / 10000);
  EXPECT_NEAR(r->wafer_yield.mean, expected, 3 * se);
}

TEST(YieldModels, UnknownModelSuggestsTheClosestName) {
  const YamlNode defects = YamlNode::parse("model: negative_binomail\n", "t.yaml");
  try {
    make_yield_model("negative_binomail", defects, defects.child("model"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'negative_binomial'?"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wafersim::mesh
