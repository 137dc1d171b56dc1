#include "core/confidence.hpp"

#include <cmath>

namespace wafersim {

double student_t_975(std::size_t dof) {
  // t_{0.975, dof} for dof = 1..30 (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof == 0) return std::nan("");
  if (dof <= 30) return kTable[dof - 1];
  const double z = 1.959963984540054;
  const double v = static_cast<double>(dof);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

Estimate mean_interval(const std::vector<double>& samples) {
  Estimate e;
  e.samples = samples.size();
  if (samples.empty()) {
    e.mean = e.lo = e.hi = std::nan("");
    return e;
  }
  double sum = 0.0;
  for (double x : samples) sum += x;
  e.mean = sum / static_cast<double>(samples.size());
  if (samples.size() < 2) {
    e.lo = e.hi = e.mean;
    return e;
  }
  double ss = 0.0;
  for (double x : samples) ss += (x - e.mean) * (x - e.mean);
  const double variance = ss / static_cast<double>(samples.size() - 1);
  e.std_error = std::sqrt(variance / static_cast<double>(samples.size()));
  const double half = student_t_975(samples.size() - 1) * e.std_error;
  e.lo = e.mean - half;
  e.hi = e.mean + half;
  return e;
}

Estimate proportion_interval(std::size_t successes, std::size_t trials) {
  Estimate e;
  e.samples = trials;
  if (trials == 0) {
    e.mean = e.lo = e.hi = std::nan("");
    return e;
  }
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z = 1.959963984540054;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  e.mean = p;
  e.std_error = std::sqrt(p * (1 - p) / n);
  e.lo = std::max(0.0, centre - half);
  e.hi = std::min(1.0, centre + half);
  return e;
}

}  // namespace wafersim
