// Bilinear point splatting: forward (scatter with atomics) and backward (gather, one thread
// per point, no atomics). Must match infinite_nature/render/_torch_impl.py exactly.
#include <cuda_runtime.h>

#include "splat_kernel.h"

namespace {

constexpr int kThreads = 256;
// Taps lighter than this are dropped (same rule as _torch_impl.MIN_TAP_WEIGHT).
constexpr double kMinTapWeight = 1e-4;

struct Tap {
  int64_t pixel;  // flat index y * W + x, or -1 when outside the image
  double weight;
  double dw_du;
  double dw_dv;
};

template <typename T>
__device__ __forceinline__ void bilinear_taps(T u, T v, int64_t H, int64_t W, Tap taps[4]) {
  const T u0 = floor(u);
  const T v0 = floor(v);
  const T fu = u - u0;
  const T fv = v - v0;
  const int du[4] = {0, 1, 0, 1};
  const int dv[4] = {0, 0, 1, 1};
  const T w[4] = {(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv};
  const T gu[4] = {-(1 - fv), (1 - fv), -fv, fv};
  const T gv[4] = {-(1 - fu), -fu, (1 - fu), fu};
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const T x = u0 + du[k];
    const T y = v0 + dv[k];
    const bool inside = x >= 0 && x <= W - 1 && y >= 0 && y <= H - 1 && w[k] >= kMinTapWeight;
    taps[k].pixel = inside ? static_cast<int64_t>(y) * W + static_cast<int64_t>(x) : -1;
    taps[k].weight = w[k];
    taps[k].dw_du = gu[k];
    taps[k].dw_dv = gv[k];
  }
}

template <typename T>
__device__ __forceinline__ bool passes_depth_test(const T* key, const T* key_max, T tol, int64_t b,
                                                  int64_t i, int64_t N, int64_t HW, int64_t pixel) {
  if (key == nullptr || key_max == nullptr) return true;
  return key[b * N + i] >= (1 - tol) * key_max[b * HW + pixel];
}

template <typename T>
__global__ void forward_kernel(const T* __restrict__ uv, const T* __restrict__ values,
                               const T* __restrict__ key, const T* __restrict__ key_max, T tol,
                               T* __restrict__ out, int64_t B, int64_t N, int64_t C, int64_t H,
                               int64_t W) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= B * N) return;
  const int64_t b = index / N;
  const int64_t i = index % N;
  const int64_t HW = H * W;
  const T u = uv[index * 2];
  const T v = uv[index * 2 + 1];
  if (!isfinite(u) || !isfinite(v)) return;
  Tap taps[4];
  bilinear_taps<T>(u, v, H, W, taps);
  const T* point_values = values + b * C * N + i;  // channel c at point_values[c * N]
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    if (taps[k].pixel < 0) continue;
    if (!passes_depth_test<T>(key, key_max, tol, b, i, N, HW, taps[k].pixel)) continue;
    T* target = out + b * C * HW + taps[k].pixel;
    const T w = static_cast<T>(taps[k].weight);
    for (int64_t c = 0; c < C; ++c) atomicAdd(target + c * HW, w * point_values[c * N]);
  }
}

template <typename T>
__global__ void backward_kernel(const T* __restrict__ grad_out, const T* __restrict__ uv,
                                const T* __restrict__ values, const T* __restrict__ key,
                                const T* __restrict__ key_max, T tol, T* __restrict__ grad_uv,
                                T* __restrict__ grad_values, int64_t B, int64_t N, int64_t C,
                                int64_t H, int64_t W) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= B * N) return;
  const int64_t b = index / N;
  const int64_t i = index % N;
  const int64_t HW = H * W;
  const T u = uv[index * 2];
  const T v = uv[index * 2 + 1];
  T* point_grad_values = grad_values + b * C * N + i;  // channel c at [c * N]
  for (int64_t c = 0; c < C; ++c) point_grad_values[c * N] = 0;
  grad_uv[index * 2] = 0;
  grad_uv[index * 2 + 1] = 0;
  if (!isfinite(u) || !isfinite(v)) return;
  Tap taps[4];
  bilinear_taps<T>(u, v, H, W, taps);
  const T* point_values = values + b * C * N + i;
  T gu = 0;
  T gv = 0;
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    if (taps[k].pixel < 0) continue;
    if (!passes_depth_test<T>(key, key_max, tol, b, i, N, HW, taps[k].pixel)) continue;
    const T* g = grad_out + b * C * HW + taps[k].pixel;
    const T w = static_cast<T>(taps[k].weight);
    T dot = 0;
    for (int64_t c = 0; c < C; ++c) {
      const T gc = g[c * HW];
      point_grad_values[c * N] += w * gc;
      dot += gc * point_values[c * N];
    }
    gu += static_cast<T>(taps[k].dw_du) * dot;
    gv += static_cast<T>(taps[k].dw_dv) * dot;
  }
  grad_uv[index * 2] = gu;
  grad_uv[index * 2 + 1] = gv;
}

inline unsigned int blocks_for(int64_t count) {
  return static_cast<unsigned int>((count + kThreads - 1) / kThreads);
}

template <typename T>
int launch_forward(const T* uv, const T* values, const T* key, const T* key_max, T tol, T* out,
                   int64_t B, int64_t N, int64_t C, int64_t H, int64_t W, void* stream) {
  if (B * N == 0) return 0;
  forward_kernel<T><<<blocks_for(B * N), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      uv, values, key, key_max, tol, out, B, N, C, H, W);
  return static_cast<int>(cudaGetLastError());
}

template <typename T>
int launch_backward(const T* grad_out, const T* uv, const T* values, const T* key,
                    const T* key_max, T tol, T* grad_uv, T* grad_values, int64_t B, int64_t N,
                    int64_t C, int64_t H, int64_t W, void* stream) {
  if (B * N == 0) return 0;
  backward_kernel<T><<<blocks_for(B * N), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      grad_out, uv, values, key, key_max, tol, grad_uv, grad_values, B, N, C, H, W);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace

int splat_forward_f32(const float* uv, const float* values, const float* key, const float* key_max,
                      float tol, float* out, int64_t B, int64_t N, int64_t C, int64_t H, int64_t W,
                      void* stream) {
  return launch_forward<float>(uv, values, key, key_max, tol, out, B, N, C, H, W, stream);
}

int splat_forward_f64(const double* uv, const double* values, const double* key,
                      const double* key_max, double tol, double* out, int64_t B, int64_t N,
                      int64_t C, int64_t H, int64_t W, void* stream) {
  return launch_forward<double>(uv, values, key, key_max, tol, out, B, N, C, H, W, stream);
}

int splat_backward_f32(const float* grad_out, const float* uv, const float* values,
                       const float* key, const float* key_max, float tol, float* grad_uv,
                       float* grad_values, int64_t B, int64_t N, int64_t C, int64_t H, int64_t W,
                       void* stream) {
  return launch_backward<float>(grad_out, uv, values, key, key_max, tol, grad_uv, grad_values, B,
                                N, C, H, W, stream);
}

int splat_backward_f64(const double* grad_out, const double* uv, const double* values,
                       const double* key, const double* key_max, double tol, double* grad_uv,
                       double* grad_values, int64_t B, int64_t N, int64_t C, int64_t H, int64_t W,
                       void* stream) {
  return launch_backward<double>(grad_out, uv, values, key, key_max, tol, grad_uv, grad_values, B,
                                 N, C, H, W, stream);
}
