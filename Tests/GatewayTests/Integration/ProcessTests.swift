import Testing

/// Tests against real `mlgateway` and `demo-backend` processes. Serialized, so that timing-dependent checks (timeouts,
/// health checks) are not starved by each other on a small machine.
@Suite("Gateway processes", .serialized)
struct ProcessTests {}
