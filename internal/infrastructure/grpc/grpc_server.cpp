#include "infrastructure/grpc/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <grpc/support/log.h>

#include <absl/synchronization/mutex.h>

#include "infrastructure/grpc/metrics_interceptor.h"
#include "infrastructure/logging/json_log.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

// gRPC's own diagnostics (e.g. a refused TLS 1.2 handshake) become JSON lines
// like ours instead of free text on stderr.
void log_grpc_message(gpr_log_func_args* args) {
  const nlohmann::json fields = {{"message", args->message}, {"file", args->file}, {"line", args->line}};
  if (args->severity == GPR_LOG_SEVERITY_ERROR) {
    log::warn("grpc", fields);
  } else {
    log::debug("grpc", fields);
  }
}

}  // namespace

domain::Result<RunningServer> start_grpc_server(const GrpcServerOptions& options,
                                                const std::vector<grpc::Service*>& services) {
  gpr_set_log_function(log_grpc_message);
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock
  // detector on: every lock gRPC takes (several per call) then updates a
  // global lock graph under a spin lock. It was 5 % of the server's CPU
  // samples at 64 calls in flight (docs/performance.md). gRPC's own release
  // builds run without it, as we do.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  const std::shared_ptr<grpc::ServerCredentials> credentials = server_credentials(options.tls);

  RunningServer running;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &running.port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  if (options.metrics != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(std::make_unique<MetricsInterceptorFactory>(*options.metrics));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  running.server = builder.BuildAndStart();
  if (!running.server || running.port == 0) {
    return domain::fail(domain::ErrorCode::kUnavailable,
                        "cannot listen on " + options.listen + " (address in use, or invalid address/certificate)");
  }
  return running;
}

}  // namespace tastesync::infrastructure::grpc_adapter
