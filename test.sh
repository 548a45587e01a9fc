#!/usr/bin/env bash
# test.sh runs the project's checks: formatting, vet, the whole test suite,
# and the race detector on the packages that run goroutines.
set -euo pipefail
cd "$(dirname "$0")"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go mod tidy -diff
go vet ./...
go test ./...
go test -race ./pipeline/... ./augment/... ./expand/... ./loaders/... ./eval/... ./examples/... ./trainrun/... ./cmd/... ./internal/...

# The Beam module (beam/) is a separate module with its own dependencies; its
# tests run the augment job on Beam's in-process Prism runner.
if [ "${CNNPIPE_SKIP_BEAM:-}" = "" ]; then
	(cd beam && go mod tidy -diff && go vet ./... && go test ./...)
fi
