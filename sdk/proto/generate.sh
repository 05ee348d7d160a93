#!/bin/sh
# Regenerates the Go code of bbhost's plugin protocol from the .proto files.
# Needs protoc (Debian: protobuf-compiler) and the two generators:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
#   go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@latest
# The generated code is committed, so building bbhost never needs protoc.
set -eu
cd "$(dirname "$0")"
PATH="$(go env GOPATH)/bin:$PATH"
protoc -I . \
	--go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative \
	bbhost/plugin/v1/*.proto
