#!/usr/bin/env bash
# Builds the test control plane once and caches it outside the repository:
#   etcd from Debian's etcd-server, kube-apiserver built from Debian's kubernetes source package.
# The cache is keyed by the source package version (plus the patch below), so a rebuild happens only when
# Debian's version or the patch changes.
#
# Patch: kubernetes 1.20 vendors github.com/modern-go/reflect2 v1.0.1, which reads Go's map internals and
# breaks under Go 1.18+ (modern-go/reflect2#26): built with Debian's Go 1.19, kube-apiserver dies with
# "fatal error: fault" in UnsafeMapType.UnsafeIterate as soon as it decodes a custom resource (a watch on a
# CRD's objects). The vendored copy is replaced by reflect2 v1.0.2 from Debian's
# golang-github-modern-go-reflect2-dev, the release that fixed it; its API is the same.
set -euo pipefail

cache_root="${STAGECRAFT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stagecraft}"
log() { printf 'control-plane: %s\n' "$*" >&2; }

# One build at a time: a second build.sh (e.g. two start.sh on different --dir) would otherwise
# `rm -rf` the first one's work directory and race on apt/dpkg.
mkdir -p "$cache_root"
exec 8>"$cache_root/.build.lock"
if ! flock -n 8; then
  log "waiting for another build.sh to finish"
  flock 8
fi

ensure_apt_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_deb_src() {
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    log "adding deb-src entries"
    sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/stagecraft-deb-src.sources
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
  fi
}

ensure_apt_packages etcd-server golang-1.19-go rsync dpkg-dev ca-certificates openssl golang-github-modern-go-reflect2-dev
ensure_deb_src

# No early `exit` in awk: under pipefail, apt-cache hitting the closed pipe would fail the script silently.
version="$(apt-cache showsrc kubernetes 2>/dev/null | awk '/^Version:/ && !v {v = $2} END {print v}')"
if [[ -z "$version" ]]; then
  log "apt-cache knows no source package 'kubernetes'; check the deb-src entries"; exit 1
fi
readonly reflect2_source=/usr/share/gocode/src/github.com/modern-go/reflect2
reflect2_version="$(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"
target="$cache_root/kube-apiserver-$version+reflect2-$reflect2_version"
if [[ -x "$target/kube-apiserver" ]]; then
  log "cached: $target/kube-apiserver"
  echo "$target/kube-apiserver"; exit 0
fi

work="$cache_root/build-$version"
rm -rf "$work"; mkdir -p "$work"
log "fetching source of kubernetes $version"
(cd "$work" && apt-get source -qq --download-only kubernetes >/dev/null && dpkg-source -x --no-check ./*.dsc src >/dev/null)
cd "$work/src"
mkdir -p .go/src/k8s.io
ln -sfn ../../.. .go/src/k8s.io/kubernetes
[[ -d vendor/github.com/modern-go/reflect2 && -f "$reflect2_source/reflect2.go" ]] || {
  log "expected vendor/github.com/modern-go/reflect2 and $reflect2_source; the source layout changed, update build.sh"; exit 1
}
log "replacing vendored reflect2 with $reflect2_version (Go 1.18+ fix)"
rm -f vendor/github.com/modern-go/reflect2/*.go
find "$reflect2_source" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} vendor/github.com/modern-go/reflect2/ \;
log "building kube-apiserver (about 8 minutes on 2 cores)"
PATH=/usr/lib/go-1.19/bin:$PATH GOPATH="$PWD/.go" GOCACHE="$cache_root/go-build-cache" CGO_ENABLED=0 \
  make WHAT=cmd/kube-apiserver >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
built="$(find _output -type f -name kube-apiserver -perm -u+x | head -1)"
mkdir -p "$target"
cp "$built" "$target/kube-apiserver.tmp" && mv "$target/kube-apiserver.tmp" "$target/kube-apiserver"
cd "$cache_root" && rm -rf "$work"
log "built: $target/kube-apiserver"
echo "$target/kube-apiserver"
