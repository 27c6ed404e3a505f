# syntax=docker/dockerfile:1
# The built-in face engine's models, from npm, pinned and checksummed.
FROM node:22-bookworm-slim AS models
WORKDIR /src
COPY scripts/fetch-face-models.sh scripts/
RUN scripts/fetch-face-models.sh /models

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=models /models/ jobs/face/models/
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /lightbox .

FROM gcr.io/distroless/static:nonroot
COPY --from=build /lightbox /lightbox
ENV DATA_DIR=/data ADDR=:8080 LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/lightbox"]
CMD ["serve"]
