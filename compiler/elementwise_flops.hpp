#pragma once
// FLOPs per element of the element-wise ops, shared by the YAML graph builder and the ONNX import
// so that the same block costs the same from either. They are estimates (a transcendental is
// counted as one FLOP) and together stay well under 1% of a transformer's FLOPs.
namespace wafersim::compiler::elementwise_flops {

inline constexpr double kLayerNorm = 7;  // mean, variance (2), normalize (2), scale, shift
inline constexpr double kRmsNorm = 4;    // square-sum (2), normalize, scale
inline constexpr double kGelu = 8;       // tanh approximation
inline constexpr double kSwiglu = 5;     // SiLU (4) x gate
inline constexpr double kSoftmax = 5;    // max, subtract, exp, sum, divide
inline constexpr double kAttnSoftmax = kSoftmax + 2;  // attention's: scaled by 1/sqrt(head_dim), then causally masked
inline constexpr double kRope = 3;
inline constexpr double kAdd = 1;        // and any other arithmetic or unary op
inline constexpr double kCombine = 2;    // MoE: weighted sum of the top-k experts' outputs
inline constexpr double kAdam = 12;      // per parameter: two moments, bias corrections, update (Kingma & Ba 2015, Alg. 1)

}  // namespace wafersim::compiler::elementwise_flops
