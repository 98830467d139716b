// Bilinear point splatting on CUDA: the launchers the torch binding calls.
// Free of torch headers so that the kernel compiles in seconds with plain nvcc.
#pragma once

#include <cstdint>

// Forward: out[b, c, p] += w_tap * values[b, c, i] for each point i and each of its 4 taps p.
// key/key_max may be null; when given, a tap counts only if key[b, i] >= (1 - tol) * key_max[b, p].
// out must be zero-initialised, laid out [B, C, H, W]. Returns a cudaError_t as int.
int splat_forward_f32(const float* uv, const float* values, const float* key, const float* key_max,
                      float tol, float* out, int64_t B, int64_t N, int64_t C, int64_t H, int64_t W,
                      void* stream);
int splat_forward_f64(const double* uv, const double* values, const double* key,
                      const double* key_max, double tol, double* out, int64_t B, int64_t N,
                      int64_t C, int64_t H, int64_t W, void* stream);

// Backward: gradients of the forward sum with respect to uv [B, N, 2] and values [B, C, N].
int splat_backward_f32(const float* grad_out, const float* uv, const float* values,
                       const float* key, const float* key_max, float tol, float* grad_uv,
                       float* grad_values, int64_t B, int64_t N, int64_t C, int64_t H, int64_t W,
                       void* stream);
int splat_backward_f64(const double* grad_out, const double* uv, const double* values,
                       const double* key, const double* key_max, double tol, double* grad_uv,
                       double* grad_values, int64_t B, int64_t N, int64_t C, int64_t H, int64_t W,
                       void* stream);
