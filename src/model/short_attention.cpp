#include "short_attention.h"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace n2g {
namespace {

// Dot product with eight independent partial sums (vectorisable without reassociating floats).
template <class Acc, class T>
Acc dot(const T* a, const T* b, int64_t n) {
  Acc part[8] = {};
  int64_t d = 0;
  for (; d + 8 <= n; d += 8)
    for (int u = 0; u < 8; ++u) part[u] += static_cast<Acc>(a[d + u]) * static_cast<Acc>(b[d + u]);
  for (; d < n; ++d) part[0] += static_cast<Acc>(a[d]) * static_cast<Acc>(b[d]);
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

}  // namespace

at::Tensor short_causal_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double scale) {
  const int64_t B = q.size(0), T = q.size(1), H = q.size(2), dh = q.size(3), P = k.size(1) - T;
  at::Tensor z = at::empty({B, T, H, dh}, q.options());
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, q.scalar_type(), "short_causal_attention", [&] {
    using Acc = at::opmath_type<scalar_t>;
    const scalar_t *Q = q.data_ptr<scalar_t>(), *K = k.data_ptr<scalar_t>(), *V = v.data_ptr<scalar_t>();
    scalar_t* Z = z.data_ptr<scalar_t>();
    const auto at = [](const at::Tensor& t, int64_t b, int64_t i, int64_t h) {
      return b * t.stride(0) + i * t.stride(1) + h * t.stride(2);
    };
    std::vector<Acc> weight(P + T), out(dh);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < T; ++i) {
          const scalar_t* query = Q + at(q, b, i, h);
          Acc peak = -std::numeric_limits<Acc>::infinity();
          for (int64_t j = 0; j <= P + i; ++j) {
            weight[j] = dot<Acc>(query, K + at(k, b, j, h), dh) * static_cast<Acc>(scale);
            peak = std::max(peak, weight[j]);
          }
          Acc total = 0;
          for (int64_t j = 0; j <= P + i; ++j) total += weight[j] = std::exp(weight[j] - peak);
          std::fill(out.begin(), out.end(), Acc(0));
          for (int64_t j = 0; j <= P + i; ++j) {
            const scalar_t* value = V + at(v, b, j, h);
            const Acc w = weight[j] / total;
            for (int64_t d = 0; d < dh; ++d) out[d] += w * static_cast<Acc>(value[d]);
          }
          scalar_t* result = Z + ((b * T + i) * H + h) * dh;
          for (int64_t d = 0; d < dh; ++d) result[d] = static_cast<scalar_t>(out[d]);
        }
  });
  return z;
}

}  // namespace n2g
