# Switchboard in a container: `docker build -t switchboard .` then
#   docker run --rm -p 8080:8080 -v switchboard-data:/data switchboard --demo
# Not built by this project's CI (its machines have no Docker); scripts/install.sh is the tested way in.

# Build: the release binary with Swift's runtime linked in, so the runtime image needs no toolchain.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
RUN swift build -c release --product switchboard --static-swift-stdlib \
    && install -m 0755 "$(swift build -c release --show-bin-path)/switchboard" /usr/local/bin/switchboard

# Run: a slim Debian with only what the binary needs at run time (TLS roots for PostgreSQL and webhooks, zone data).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /data switchboard
COPY --from=build /usr/local/bin/switchboard /usr/local/bin/switchboard
USER switchboard
WORKDIR /data
VOLUME /data
EXPOSE 8080
# Listens on every interface of the container; the database (and its key file) live in the /data volume.
ENTRYPOINT ["switchboard", "serve", "--hostname", "0.0.0.0", "--database", "/data/switchboard.sqlite"]
