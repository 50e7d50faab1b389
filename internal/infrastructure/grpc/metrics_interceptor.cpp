#include "infrastructure/grpc/metrics_interceptor.h"

#include <chrono>
#include <string>

#include "infrastructure/grpc/status_names.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const char* method, application::MetricsPort& metrics)
      : method_(method == nullptr ? "" : method), metrics_(metrics), started_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      metrics_.request_finished("grpc", method_, status_code_name(methods->GetSendStatus().error_code()), seconds);
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  application::MetricsPort& metrics_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new MetricsInterceptor(info->method(), metrics_);
}

}  // namespace tastesync::infrastructure::grpc_adapter
