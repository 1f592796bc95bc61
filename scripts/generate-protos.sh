#!/usr/bin/env bash
# Regenerates the committed Swift code of the protocol buffers in Protos/ (run after editing a .proto file; the
# build never runs protoc). Needs protoc (Debian's protobuf-compiler, or `python3 -m grpc_tools.protoc` from
# PyPI's grpcio-tools) and protoc-gen-swift of the swift-protobuf version in Package.swift:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0 \
#     && swift build -c release --product protoc-gen-swift
#   PROTOC_GEN_SWIFT=/path/to/swift-protobuf/.build/release/protoc-gen-swift scripts/generate-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."

plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
if [[ -z "$plugin" ]]; then
  echo "error: protoc-gen-swift not found; set PROTOC_GEN_SWIFT" >&2
  exit 1
fi
if command -v protoc >/dev/null 2>&1; then
  protoc=(protoc)
else
  protoc=(python3 -m grpc_tools.protoc)
fi

out=Sources/FeatureStore/Feast/Generated
rm -f "$out"/*.pb.swift
mkdir -p "$out"
"${protoc[@]}" --plugin=protoc-gen-swift="$plugin" --proto_path=Protos \
  --swift_out="$out" --swift_opt=Visibility=Internal --swift_opt=FileNaming=PathToUnderscores \
  Protos/feast/types/Value.proto Protos/feast/core/Registry.proto
swift format format -i "$out"/*.pb.swift
echo "==> generated $(ls "$out")"
