#pragma once
// Monte Carlo estimates with 95% confidence intervals.
#include <cstddef>
#include <vector>

namespace wafersim {

struct Estimate {
  double mean = 0.0;
  double lo = 0.0;  // 95% interval
  double hi = 0.0;
  double std_error = 0.0;
  std::size_t samples = 0;
};

// Two-sided 97.5% quantile of Student's t with `dof` degrees of freedom (exact table to 30, the
// Cornish-Fisher expansion above, which is within 1e-4 there).
double student_t_975(std::size_t dof);

// Mean of continuous samples with a Student-t interval.
Estimate mean_interval(const std::vector<double>& samples);

// A proportion (successes of trials) with the Wilson score interval, which stays inside [0, 1] and
// is honest at 0 or all successes, where the normal interval collapses to a point.
Estimate proportion_interval(std::size_t successes, std::size_t trials);

}  // namespace wafersim
