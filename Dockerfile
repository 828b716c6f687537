# syntax=docker/dockerfile:1
# Multi-stage build of herald on the official Swift image. Untested here (no Docker engine on the
# development machines); kept correct by review and syntax validation.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmemcached-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so source edits reuse the cached layer.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product herald --static-swift-stdlib \
    && install -D .build/release/herald /out/herald \
    && cp -R .build/release/herald_HeraldHTTP.resources /out/

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libmemcached11 libmemcachedutil2 libsqlite3-0 libsasl2-2 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data herald \
    && mkdir -p /data && chown herald /data
COPY --from=build /out/herald /usr/local/bin/herald
# The demo page's files (--demo/--dev); Foundation looks for them next to the executable.
COPY --from=build /out/herald_HeraldHTTP.resources /usr/local/bin/herald_HeraldHTTP.resources
USER herald
WORKDIR /data
ENV HERALD_HOST=0.0.0.0 \
    HERALD_PORT=8080 \
    HERALD_DATABASE=/data/herald.sqlite
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["herald"]
CMD ["serve"]
