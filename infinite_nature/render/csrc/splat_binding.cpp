// Torch binding of the bilinear splatting kernel (compiled by torch.utils.cpp_extension).
#include <torch/extension.h>

#include "splat_kernel.h"

namespace {

void check_input(const torch::Tensor& t, const char* name, const torch::Tensor& like) {
  TORCH_CHECK(t.is_cuda(), name, " must be a CUDA tensor");
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
  TORCH_CHECK(t.scalar_type() == like.scalar_type(), name, " must have dtype ", like.scalar_type());
  TORCH_CHECK(t.device() == like.device(), name, " must be on ", like.device());
}

template <typename T>
const T* optional_ptr(const torch::Tensor& t) {
  return t.numel() == 0 ? nullptr : t.data_ptr<T>();
}

void check_status(int status, const char* what) {
  TORCH_CHECK(status == 0, what, " failed with CUDA error ", status);
}

}  // namespace

torch::Tensor splat_forward(torch::Tensor uv, torch::Tensor values, torch::Tensor key,
                            torch::Tensor key_max, double tol, int64_t height, int64_t width,
                            int64_t stream) {
  check_input(uv, "uv", values);
  check_input(values, "values", values);
  if (key.numel() > 0) {
    check_input(key, "key", values);
    check_input(key_max, "key_max", values);
  }
  const int64_t B = values.size(0), C = values.size(1), N = values.size(2);
  auto out = torch::zeros({B, C, height, width}, values.options());
  void* s = reinterpret_cast<void*>(stream);
  if (values.scalar_type() == torch::kFloat32) {
    check_status(splat_forward_f32(uv.data_ptr<float>(), values.data_ptr<float>(),
                                   optional_ptr<float>(key), optional_ptr<float>(key_max),
                                   static_cast<float>(tol), out.data_ptr<float>(), B, N, C, height,
                                   width, s),
                 "splat_forward");
  } else {
    TORCH_CHECK(values.scalar_type() == torch::kFloat64, "values must be float32 or float64");
    check_status(splat_forward_f64(uv.data_ptr<double>(), values.data_ptr<double>(),
                                   optional_ptr<double>(key), optional_ptr<double>(key_max), tol,
                                   out.data_ptr<double>(), B, N, C, height, width, s),
                 "splat_forward");
  }
  return out;
}

std::vector<torch::Tensor> splat_backward(torch::Tensor grad_out, torch::Tensor uv,
                                          torch::Tensor values, torch::Tensor key,
                                          torch::Tensor key_max, double tol, int64_t stream) {
  check_input(grad_out, "grad_out", values);
  const int64_t B = values.size(0), C = values.size(1), N = values.size(2);
  const int64_t H = grad_out.size(2), W = grad_out.size(3);
  auto grad_uv = torch::empty_like(uv);
  auto grad_values = torch::empty_like(values);
  void* s = reinterpret_cast<void*>(stream);
  if (values.scalar_type() == torch::kFloat32) {
    check_status(splat_backward_f32(grad_out.data_ptr<float>(), uv.data_ptr<float>(),
                                    values.data_ptr<float>(), optional_ptr<float>(key),
                                    optional_ptr<float>(key_max), static_cast<float>(tol),
                                    grad_uv.data_ptr<float>(), grad_values.data_ptr<float>(), B, N,
                                    C, H, W, s),
                 "splat_backward");
  } else {
    check_status(splat_backward_f64(grad_out.data_ptr<double>(), uv.data_ptr<double>(),
                                    values.data_ptr<double>(), optional_ptr<double>(key),
                                    optional_ptr<double>(key_max), tol, grad_uv.data_ptr<double>(),
                                    grad_values.data_ptr<double>(), B, N, C, H, W, s),
                 "splat_backward");
  }
  return {grad_uv, grad_values};
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("forward", &splat_forward, "bilinear point splatting, forward");
  m.def("backward", &splat_backward, "bilinear point splatting, backward");
}
