#!/usr/bin/env bash
# Regenerates the committed Swift code of the protocol buffers in Protos/ (run after editing a .proto file; the
# build never runs protoc). Needs protoc (Debian's protobuf-compiler, or `python3 -m grpc_tools.protoc` from
# PyPI's grpcio-tools), protoc-gen-swift of the swift-protobuf version in Package.resolved and
# protoc-gen-grpc-swift-2 of the grpc-swift-protobuf version there:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0 \
#     && swift build -c release --product protoc-gen-swift
#   git clone https://github.com/grpc/grpc-swift-protobuf && cd grpc-swift-protobuf && git checkout 2.4.1 \
#     && swift build -c release --product protoc-gen-grpc-swift-2
#   PROTOC_GEN_SWIFT=…/protoc-gen-swift PROTOC_GEN_GRPC_SWIFT=…/protoc-gen-grpc-swift-2 scripts/generate-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."

plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
grpc_plugin=${PROTOC_GEN_GRPC_SWIFT:-$(command -v protoc-gen-grpc-swift-2 || true)}
if [[ -z "$plugin" || -z "$grpc_plugin" ]]; then
  echo "error: protoc-gen-swift or protoc-gen-grpc-swift-2 not found; set PROTOC_GEN_SWIFT and PROTOC_GEN_GRPC_SWIFT" >&2
  exit 1
fi
if command -v protoc >/dev/null 2>&1; then
  protoc=(protoc)
else
  protoc=(python3 -m grpc_tools.protoc)
fi

# Feast's value and registry messages, read by the feature store (internal to it).
out=Sources/FeatureStore/Feast/Generated
rm -f "$out"/*.pb.swift
mkdir -p "$out"
"${protoc[@]}" --plugin=protoc-gen-swift="$plugin" --proto_path=Protos \
  --swift_out="$out" --swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores \
  Protos/feast/types/Value.proto Protos/feast/core/Registry.proto
swift format format -i "$out"/*.pb.swift
echo "==> generated $(ls "$out")"

# The Open Inference Protocol's gRPC messages and service, used by the gateway's gRPC front and backends and by
# demo-backend (package visibility).
out=Sources/OpenInference/Generated
rm -f "$out"/*.swift
mkdir -p "$out"
"${protoc[@]}" --plugin=protoc-gen-swift="$plugin" --plugin=protoc-gen-grpc-swift="$grpc_plugin" \
  --proto_path=Protos \
  --swift_out="$out" --swift_opt=Visibility=Package --swift_opt=FileNaming=PathToUnderscores \
  --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Package --grpc-swift_opt=FileNaming=PathToUnderscores \
  Protos/inference/grpc_service.proto
swift format format -i "$out"/*.swift
echo "==> generated $(ls "$out")"
