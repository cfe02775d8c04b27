# Shiliu. `make demo` runs the demo, `make test` runs the tests.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X shiliu/internal/app.Version=$(VERSION)

.PHONY: build demo run test test-short bench lint fmt clean vendor

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o shiliu ./cmd/shiliu

demo:
	$(GO) run ./cmd/shiliu serve --demo

run: build
	./shiliu serve

# The whole suite: SQLite always; PostgreSQL and Chromium tests run when
# they are reachable (and must run when SHILIU_TEST_PG / SHILIU_TEST_BROWSER
# are set, as in CI). The packages that run goroutines (the import
# pipeline, case notifications, the job runner) run once, under the race
# detector; the others without it.
RACE_PKGS := shiliu/internal/people shiliu/internal/cases shiliu/internal/jobs
test:
	$(GO) test -count=1 -timeout 20m $(filter-out $(RACE_PKGS),$(shell $(GO) list ./...))
	$(GO) test -count=1 -timeout 20m -race $(filter $(RACE_PKGS),$(shell $(GO) list ./...))

test-short:
	$(GO) test -count=1 -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

lint:
	gofmt -l . | tee /dev/stderr | (! read)
	$(GO) vet ./...

fmt:
	gofmt -w .

# Windows build for an office PC (pure Go, no C toolchain needed).
windows:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o shiliu.exe ./cmd/shiliu

# The front-end packages embedded in the binary (pinned in web/vendor/package-lock.json),
# copied into internal/web/static/vendor. Only needed to change their version: the copies
# are committed, so a build needs no Node.js.
vendor:
	cd web/vendor && npm ci --no-audit --no-fund
	cp web/vendor/node_modules/echarts/dist/echarts.common.min.js internal/web/static/vendor/
	cp web/vendor/node_modules/echarts/LICENSE internal/web/static/vendor/echarts.LICENSE
	cp web/vendor/node_modules/echarts/NOTICE internal/web/static/vendor/echarts.NOTICE

clean:
	rm -f shiliu shiliu.exe
