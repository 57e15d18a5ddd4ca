# The image of stagecraft's in-cluster reconciler (`stagecraft bootstrap` installs it; the Deployment runs
# `stagecraft reconcile --in-cluster …`). NOT built by this repository's own CI: examples/ci/reconciler-image.yml
# is a workflow that builds and pushes it from `npm pack` output; the environment then names the pushed image by
# digest (reconciler: { image: 'ghcr.io/acme/stagecraft@sha256:…' }).
#
# Build context: a folder holding this file and exactly one stagecraft-<version>.tgz from `npm pack`:
#   npm ci && npx projen compile && npm pack --pack-destination image/ && cp Dockerfile image/ && docker build image/
#
# - non-root (uid/gid 65532, with a passwd entry: ssh refuses to run for a uid it cannot name);
# - works on a read-only root file system: it writes only under HOME (/home/stagecraft) and /tmp, which the
#   generated Deployment mounts as emptyDirs (git mirrors, the private copy of the deploy key, known_hosts);
# - git and openssh-client for private env repos (deploy keys, pinned known_hosts), ca-certificates for https;
# - the packed package installed with its runtime dependencies only (--omit=dev), no build tools, no sources.
# Node.js 24, the active LTS line (Node 20 is past its end of life; CI runs the suite on 24 as well).
FROM node:24-bookworm-slim

RUN apt-get update \
  && apt-get install --yes --no-install-recommends git openssh-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 65532 stagecraft \
  && useradd --uid 65532 --gid 65532 --home-dir /home/stagecraft --no-create-home --shell /usr/sbin/nologin stagecraft \
  && mkdir -p /home/stagecraft && chown 65532:65532 /home/stagecraft

COPY stagecraft-*.tgz /tmp/stagecraft.tgz
RUN npm install --global --omit=dev --no-audit --no-fund --ignore-scripts /tmp/stagecraft.tgz \
  && rm /tmp/stagecraft.tgz \
  && npm cache clean --force

ENV HOME=/home/stagecraft NODE_ENV=production
USER 65532:65532
WORKDIR /home/stagecraft
ENTRYPOINT ["stagecraft"]
CMD ["--help"]
