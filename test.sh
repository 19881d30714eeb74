#!/usr/bin/env bash
# The tests: the core module (go test ./... here), then each module that
# lives in this repository beside it (the ORM providers and their example),
# which ./... from here does not reach. Arguments go to every go test.
set -euo pipefail
cd "$(dirname "$0")"
go test -timeout 60m "$@" ./...
for m in gormschema bunschema examples/braindump-gorm; do
  echo "== $m"
  (cd "$m" && go test -timeout 60m "$@" ./...)
done
