#pragma once

#include <grpcpp/support/server_interceptor.h>

#include "application/ports/metrics_port.h"

namespace tastesync::infrastructure::grpc_adapter {

// Counts every gRPC call (method, status, latency) as it sends its status, so
// no service has to remember to.
class MetricsInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(application::MetricsPort& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

 private:
  application::MetricsPort& metrics_;
};

}  // namespace tastesync::infrastructure::grpc_adapter
