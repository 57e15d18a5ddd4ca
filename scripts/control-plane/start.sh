#!/usr/bin/env bash
# Starts the test control plane: etcd + kube-apiserver (1.20.2) on loopback, nothing else.
#
# Usage: start.sh [--dir DIR] [--port PORT] [--etcd-port PORT] [--etcd-peer-port PORT]
#   --dir             state directory (certs, etcd data, logs, pid files, kubeconfig);
#                     default $STAGECRAFT_DEV_CLUSTER_DIR or ~/.cache/stagecraft/dev-cluster
#   --port            kube-apiserver secure port on 127.0.0.1; default $STAGECRAFT_DEV_CLUSTER_PORT or 6443
#   --etcd-port       etcd client port on 127.0.0.1; default $STAGECRAFT_DEV_ETCD_PORT or 2379
#   --etcd-peer-port  etcd peer port on 127.0.0.1; default $STAGECRAFT_DEV_ETCD_PEER_PORT or 2380
# A second control plane needs its own --dir and its own three ports.
#
# Idempotent: when the control plane of DIR is already running and ready, it only prints the
# kubeconfig path. Otherwise it builds (or takes from cache) kube-apiserver via build.sh, creates
# the certificates once, starts whichever process is missing and waits for /readyz (60 s).
# The last line on stdout is the kubeconfig path (context `stagecraft-dev`); progress goes to stderr.
#
# What this cluster lacks: there is no kube-controller-manager, scheduler or kubelet.
#   - Deployments never get ReplicaSets/Pods and no status; tests write status subresources themselves.
#   - No garbage collector (ownerReferences do not cascade), no default ServiceAccount per
#     namespace, no kube-root-ca.crt ConfigMap, no Endpoints for Services.
#   - Deleting a namespace leaves it Terminating forever: the namespace controller that empties it
#     and removes the `kubernetes` finalizer runs in kube-controller-manager. The NamespaceLifecycle
#     admission plugin (enabled by default, and kept) then rejects new objects in that namespace.
#     We keep it because it also rejects objects in namespaces that do not exist, as every real
#     cluster does; disabling it would hide "namespace applied after its contents" bugs. Tests should
#     use fresh namespace names; to really remove one, delete its objects, delete it, then finalize it:
#       echo '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"NAME"},"spec":{"finalizers":[]}}' |
#         kubectl replace --raw /api/v1/namespaces/NAME/finalize -f -
#     (smoke.sh does exactly that). Objects left inside a finalized namespace stay in etcd and reappear
#     if a namespace of that name is created again.
set -euo pipefail

script_name="start.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$here/lib.sh"

readonly service_cluster_ip_range="10.0.0.0/16"
readonly kubernetes_service_ip="10.0.0.1" # first IP of the range: the `kubernetes` Service's ClusterIP
readonly service_account_issuer="https://kubernetes.default.svc.cluster.local"
readonly ready_timeout_seconds=60
readonly etcd_timeout_seconds=30

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
}

parse_args() {
  dir="$default_dir" port="$default_port" etcd_port="$default_etcd_port" etcd_peer_port="$default_etcd_peer_port"
  while (($#)); do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
      --port) [[ $# -ge 2 ]] || die "--port needs a value"; port="$2"; shift 2 ;;
      --etcd-port) [[ $# -ge 2 ]] || die "--etcd-port needs a value"; etcd_port="$2"; shift 2 ;;
      --etcd-peer-port) [[ $# -ge 2 ]] || die "--etcd-peer-port needs a value"; etcd_peer_port="$2"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) usage; die "unknown argument '$1'; see the usage above" ;;
    esac
  done
  require_port_number "--port" "$port"
  require_port_number "--etcd-port" "$etcd_port"
  require_port_number "--etcd-peer-port" "$etcd_peer_port"
  if [[ "$port" == "$etcd_port" || "$port" == "$etcd_peer_port" || "$etcd_port" == "$etcd_peer_port" ]]; then
    die "--port, --etcd-port and --etcd-peer-port must differ (got $port, $etcd_port, $etcd_peer_port)"
  fi
  dir="$(absolute_dir "$dir")"
  pki="$dir/pki"
}

# A running instance started with other ports cannot be reused under the requested ones.
check_running_ports() {
  read_instance_env
  local etcd_pid="" apiserver_pid=""
  etcd_pid="$(running_pid etcd)" || true
  apiserver_pid="$(running_pid kube-apiserver)" || true
  [[ -n "$etcd_pid$apiserver_pid" && -n "$recorded_port" ]] || return 0
  if [[ "$recorded_port/$recorded_etcd_port/$recorded_etcd_peer_port" != "$port/$etcd_port/$etcd_peer_port" ]]; then
    die "the control plane in $dir already runs with ports $recorded_port (apiserver), $recorded_etcd_port/$recorded_etcd_peer_port (etcd); pass those ports, or stop it first with: $here/stop.sh --dir $dir"
  fi
}

already_running() {
  running_pid etcd >/dev/null && running_pid kube-apiserver >/dev/null && apiserver_ready
}

find_apiserver_binary() {
  local output
  output="$("$here/build.sh")" || die "build.sh failed (see its messages above); fix the build, then run start.sh again"
  apiserver_bin="$(printf '%s\n' "$output" | tail -n 1)"
  [[ -x "$apiserver_bin" ]] || die "build.sh printed '$apiserver_bin', which is not an executable kube-apiserver; delete ~/.cache/stagecraft/kube-apiserver-* and run build.sh again"
  etcd_bin="$(command -v etcd)" || die "'etcd' is not installed; run build.sh (it installs Debian's etcd-server) or apt-get install etcd-server"
}

generate_pki() {
  if [[ -s "$pki/ca.crt" && -s "$pki/apiserver.crt" && -s "$pki/apiserver.key" && -s "$pki/sa.key" && -s "$pki/sa.pub" && -s "$pki/tokens.csv" ]]; then
    return 0
  fi
  log "generating certificates, service-account keys and admin token in $pki"
  local tmp
  tmp="$(mktemp -d "$dir/pki.tmp.XXXXXX")"
  (
    set -euo pipefail
    cd "$tmp"
    umask 077
    cat >openssl.cnf <<EOF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1, IP:$kubernetes_service_ip, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local
EOF
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 -config openssl.cnf -extensions ca \
      -subj "/CN=stagecraft-dev-ca" -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -new -nodes -newkey rsa:2048 -config openssl.cnf \
      -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
    openssl x509 -req -sha256 -days 3650 -in apiserver.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
      -extfile openssl.cnf -extensions server -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # Static token file: token,user,uid,"groups". system:masters bypasses RBAC.
    printf '%s,stagecraft-admin,stagecraft-admin,"system:masters"\n' "$(openssl rand -hex 32)" >tokens.csv
    rm -f apiserver.csr openssl.cnf
  ) || { rm -rf "$tmp"; die "openssl failed to create the certificates; check that openssl works (apt-get install openssl)"; }
  rm -rf "$pki"
  mv "$tmp" "$pki"
}

write_kubeconfig() {
  local token ca_data
  token="$(cut -d, -f1 "$pki/tokens.csv")"
  ca_data="$(base64 -w0 "$pki/ca.crt")"
  (
    umask 077
    cat >"$dir/kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: stagecraft-dev
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority-data: $ca_data
users:
  - name: stagecraft-dev-admin
    user:
      token: $token
contexts:
  - name: stagecraft-dev
    context:
      cluster: stagecraft-dev
      user: stagecraft-dev-admin
current-context: stagecraft-dev
preferences: {}
EOF
  )
  mv "$dir/kubeconfig.tmp" "$dir/kubeconfig"
  printf 'port=%s\netcd_port=%s\netcd_peer_port=%s\n' "$port" "$etcd_port" "$etcd_peer_port" >"$dir/instance.env"
}

# Starts a detached process (own session, so it outlives this script and its terminal).
# The previous log is kept as NAME.log.prev.
launch() {
  local name="$1"; shift
  [[ -f "$dir/$name.log" ]] && mv -f "$dir/$name.log" "$dir/$name.log.prev"
  # 9>&-: the child must not inherit the lock, or the next start.sh would wait for it forever.
  setsid "$@" </dev/null >"$dir/$name.log" 2>&1 9>&- &
  local pid=$! tries=0
  printf '%s\n' "$pid" >"$dir/$name.pid"
  # Until setsid has exec'd NAME, /proc/PID/cmdline still shows this shell and running_pid would report
  # NAME as exited: wait (at most 2 s) for the exec, so the health loops below never see that window.
  while ! pid_is_ours "$pid" "$name" && [[ -d "/proc/$pid" ]] && ((tries++ < 100)); do
    sleep 0.02
  done
}

require_free_port() {
  local port_value="$1" what="$2" option="$3"
  if port_in_use "$port_value"; then
    die "port $port_value ($what) on 127.0.0.1 is already taken by another process; stop it or pass $option with a free port"
  fi
}

etcd_healthy() {
  # Plain HTTP on loopback, without depending on curl.
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    grep -q "\"health\":\"true\"" <&3' _ "$etcd_port" 2>/dev/null
}

# Checked before anything starts, so a taken port does not leave a half-started control plane behind.
check_ports_free() {
  if ! running_pid etcd >/dev/null; then
    require_free_port "$etcd_port" "etcd client" "--etcd-port"
    require_free_port "$etcd_peer_port" "etcd peer" "--etcd-peer-port"
  fi
  if ! running_pid kube-apiserver >/dev/null; then
    require_free_port "$port" "kube-apiserver" "--port"
  fi
}

start_etcd() {
  if running_pid etcd >/dev/null; then
    log "etcd already running (pid $(running_pid etcd))"
  else
    local stray
    stray="$(stray_pids etcd | head -n 1)"
    [[ -z "$stray" ]] || die "an etcd for $dir runs as pid $stray without a matching pid file; stop it with: $here/stop.sh --dir $dir"
    log "starting etcd on 127.0.0.1:$etcd_port (data $dir/etcd-data, log $dir/etcd.log)"
    mkdir -p "$dir/etcd-data"
    chmod 700 "$dir/etcd-data"
    local client_url="http://127.0.0.1:$etcd_port" peer_url="http://127.0.0.1:$etcd_peer_port"
    launch etcd "$etcd_bin" \
      --name stagecraft-dev \
      --data-dir "$dir/etcd-data" \
      --listen-client-urls "$client_url" \
      --advertise-client-urls "$client_url" \
      --listen-peer-urls "$peer_url" \
      --initial-advertise-peer-urls "$peer_url" \
      --initial-cluster "stagecraft-dev=$peer_url" \
      --initial-cluster-token stagecraft-dev \
      --initial-cluster-state new \
      --logger zap \
      --log-outputs stderr
  fi
  local deadline=$((SECONDS + etcd_timeout_seconds))
  until etcd_healthy; do
    if ! running_pid etcd >/dev/null; then
      log_tail "$dir/etcd.log" >&2
      die "etcd exited during start-up (log above, full log $dir/etcd.log); fix the cause (often a port in use or a corrupt data dir: stop.sh --dir $dir --wipe), then run start.sh again"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$dir/etcd.log" >&2
      die "etcd did not report healthy on 127.0.0.1:$etcd_port within ${etcd_timeout_seconds}s (log above); stop.sh --dir $dir, then start.sh again"
    fi
    sleep 0.2
  done
}

start_apiserver() {
  if running_pid kube-apiserver >/dev/null; then
    log "kube-apiserver already running (pid $(running_pid kube-apiserver))"
    return 0
  fi
  local stray
  stray="$(stray_pids kube-apiserver | head -n 1)"
  [[ -z "$stray" ]] || die "a kube-apiserver for $dir runs as pid $stray without a matching pid file; stop it with: $here/stop.sh --dir $dir"
  log "starting kube-apiserver on https://127.0.0.1:$port (log $dir/kube-apiserver.log)"
  # No plain-HTTP port: 1.20 no longer opens one (its --insecure-port flag has no effect).
  # --endpoint-reconciler-type=none: the `kubernetes` Service is still created (ClusterIP 10.0.0.1),
  #   but its Endpoints are not, since Endpoints validation rejects the loopback advertise address
  #   and the reconciler would log that failure every 10 s.
  # Admission plugins: the 1.20 defaults (NamespaceLifecycle included; see the header comment).
  launch kube-apiserver "$apiserver_bin" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$port" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --service-cluster-ip-range="$service_cluster_ip_range" \
    --tls-cert-file="$pki/apiserver.crt" \
    --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --token-auth-file="$pki/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --service-account-issuer="$service_account_issuer" \
    --endpoint-reconciler-type=none \
    --profiling=false
}

wait_until_ready() {
  local deadline=$((SECONDS + ready_timeout_seconds))
  until apiserver_ready; do
    if ! running_pid kube-apiserver >/dev/null; then
      log_tail "$dir/kube-apiserver.log" >&2
      die "kube-apiserver exited during start-up (log above, full log $dir/kube-apiserver.log); fix the cause, then run start.sh again"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$dir/kube-apiserver.log" >&2
      kubectl --kubeconfig "$dir/kubeconfig" --request-timeout=5s get --raw '/readyz?verbose' >&2 2>&1 || true
      die "kube-apiserver was not ready within ${ready_timeout_seconds}s (kubectl get --raw /readyz failed; log above); stop.sh --dir $dir, then start.sh again"
    fi
    sleep 0.5
  done
}

main() {
  parse_args "$@"
  require_command kubectl "install kubectl (e.g. apt-get install kubernetes-client)"
  require_command openssl "apt-get install openssl"
  require_command flock "apt-get install util-linux"
  take_lock
  check_running_ports
  if already_running; then
    log "already running and ready"
    printf '%s\n' "$dir/kubeconfig"
    return 0
  fi
  local started=$SECONDS
  find_apiserver_binary
  generate_pki
  check_ports_free
  write_kubeconfig
  start_etcd
  start_apiserver
  wait_until_ready
  log "ready after $((SECONDS - started))s: kubectl --kubeconfig $dir/kubeconfig"
  printf '%s\n' "$dir/kubeconfig"
}

main "$@"
