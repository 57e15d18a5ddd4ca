#!/usr/bin/env bash
# Smoke test of the test control plane, with kubectl against a real kube-apiserver 1.20.2:
#   namespace, server-side apply of a ConfigMap and a Deployment, the Service `protocol` quirk of
#   server-side apply in 1.20, and a Deployment status written through the status subresource the
#   way a controller would (there is no controller-manager here).
#
# Usage: smoke.sh [--dir DIR] [--port PORT] [--etcd-port PORT] [--etcd-peer-port PORT] [--keep-running]
#   Options other than --keep-running go to start.sh. The control plane is started if needed; one
#   that this script started is stopped again at the end unless --keep-running is given.
# Exits non-zero on any unexpected outcome. Everything it creates is deleted again.
set -euo pipefail

script_name="smoke.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$here/lib.sh"

start_args=() keep_running=false started_here=false namespace="" kubeconfig="" dir=""
failures=0

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
}

parse_args() {
  dir="$default_dir"
  while (($#)); do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; start_args+=("$1" "$2"); shift 2 ;;
      --port | --etcd-port | --etcd-peer-port)
        [[ $# -ge 2 ]] || die "$1 needs a value"; start_args+=("$1" "$2"); shift 2 ;;
      --keep-running) keep_running=true; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage; die "unknown argument '$1'; see the usage above" ;;
    esac
  done
  dir="$(absolute_dir "$dir")"
}

k() { kubectl --kubeconfig "$kubeconfig" --request-timeout=20s "$@"; }

step() { printf '\n== %s\n' "$*"; }
pass() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

expect_equal() {
  local what="$1" expected="$2" actual="$3"
  if [[ "$actual" == "$expected" ]]; then pass "$what = $actual"; else fail "$what: expected '$expected', got '$actual'"; fi
}

start_cluster() {
  if running_pid etcd >/dev/null && running_pid kube-apiserver >/dev/null && apiserver_ready; then
    started_here=false
  else
    started_here=true
  fi
  local output
  output="$("$here/start.sh" "${start_args[@]}")" || die "start.sh failed (messages above); fix that first"
  kubeconfig="$(printf '%s\n' "$output" | tail -n 1)"
  [[ -s "$kubeconfig" ]] || die "start.sh printed '$kubeconfig', which is not a kubeconfig file"
}

# Without kube-controller-manager a deleted namespace stays Terminating: empty it, delete it, then
# remove the `kubernetes` finalizer through the finalize subresource, as the namespace controller would.
delete_namespace() {
  local name="$1"
  k delete --namespace "$name" --ignore-not-found --wait=false deployments,configmaps,services --all >/dev/null || return 1
  k delete namespace "$name" --ignore-not-found --wait=false >/dev/null || return 1
  if k get namespace "$name" >/dev/null 2>&1; then
    printf '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s"},"spec":{"finalizers":[]}}\n' "$name" |
      k replace --raw "/api/v1/namespaces/$name/finalize" -f - >/dev/null || return 1
  fi
  local _
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    k get namespace "$name" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  return 1
}

cleanup() {
  local status=$?
  trap - EXIT
  if [[ -n "$namespace" && -n "$kubeconfig" ]]; then
    step "clean up"
    if delete_namespace "$namespace"; then
      pass "namespace $namespace and its objects deleted"
    else
      printf 'FAIL: could not delete namespace %s; delete it by hand (see README.md)\n' "$namespace"
      ((status)) || status=1
    fi
  fi
  if [[ "$started_here" == true && "$keep_running" == false ]]; then
    "$here/stop.sh" --dir "$dir" || { ((status)) || status=1; }
  fi
  exit "$status"
}

check_namespace() {
  step "create namespace"
  namespace="stagecraft-smoke-$(date +%s)-$$"
  k create namespace "$namespace"
  expect_equal "namespace phase" "Active" "$(k get namespace "$namespace" -o 'jsonpath={.status.phase}')"
}

check_server_side_apply() {
  step "server-side apply of a ConfigMap and a Deployment (field manager 'smoke')"
  k apply --server-side --field-manager smoke -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: smoke-config
  namespace: $namespace
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: smoke-web
  namespace: $namespace
spec:
  replicas: 2
  selector:
    matchLabels: {app: smoke-web}
  template:
    metadata:
      labels: {app: smoke-web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
EOF
  step "kubectl get"
  k get --namespace "$namespace" configmaps,deployments
  expect_equal "configmap data.greeting" "hello" "$(k get --namespace "$namespace" configmap smoke-config -o 'jsonpath={.data.greeting}')"
  expect_equal "configmap field managers" "smoke" "$(k get --namespace "$namespace" configmap smoke-config -o 'jsonpath={.metadata.managedFields[*].manager}')"
  expect_equal "deployment spec.replicas" "2" "$(k get --namespace "$namespace" deployment smoke-web -o 'jsonpath={.spec.replicas}')"
  # Re-applying the same manifest is a no-op: same resourceVersion.
  local before after
  before="$(k get --namespace "$namespace" configmap smoke-config -o 'jsonpath={.metadata.resourceVersion}')"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: smoke-config, namespace: %s}\ndata: {greeting: hello}\n' "$namespace" |
    k apply --server-side --field-manager smoke -f - >/dev/null
  after="$(k get --namespace "$namespace" configmap smoke-config -o 'jsonpath={.metadata.resourceVersion}')"
  expect_equal "configmap resourceVersion after identical re-apply" "$before" "$after"
}

service_manifest() {
  local name="$1" protocol_line="$2"
  cat <<EOF
apiVersion: v1
kind: Service
metadata:
  name: $name
  namespace: $namespace
spec:
  selector: {app: smoke-web}
  ports:
    - name: http
      port: 80
      targetPort: 80
$protocol_line
EOF
}

check_service_protocol() {
  step "server-side apply of a Service whose port omits 'protocol' (expected: rejected by 1.20)"
  local output
  if output="$(service_manifest smoke-no-protocol "" | k apply --server-side --field-manager smoke -f - 2>&1)"; then
    printf '%s\n' "$output"
    fail "the Service without 'protocol' was accepted; this apiserver no longer has the 1.20 behaviour the tests assume"
  else
    printf 'rejected: %s\n' "$output"
    if [[ "$output" == *protocol* ]]; then
      pass "Service without 'protocol' rejected, and the error names 'protocol'"
    else
      fail "Service without 'protocol' rejected, but not for the expected reason"
    fi
  fi
  step "server-side apply of a Service with 'protocol: TCP' (expected: accepted)"
  if output="$(service_manifest smoke-tcp "      protocol: TCP" | k apply --server-side --field-manager smoke -f - 2>&1)"; then
    printf 'accepted: %s\n' "$output"
    local cluster_ip
    cluster_ip="$(k get --namespace "$namespace" service smoke-tcp -o 'jsonpath={.spec.clusterIP}')"
    if [[ "$cluster_ip" == 10.0.* ]]; then
      pass "Service with 'protocol: TCP' accepted, clusterIP $cluster_ip from 10.0.0.0/16"
    else
      fail "Service with 'protocol: TCP' got clusterIP '$cluster_ip', outside 10.0.0.0/16"
    fi
  else
    printf '%s\n' "$output"
    fail "the Service with 'protocol: TCP' was rejected"
  fi
}

check_status_subresource() {
  step "write Deployment status through the status subresource (simulating the deployment controller)"
  local generation status
  generation="$(k get --namespace "$namespace" deployment smoke-web -o 'jsonpath={.metadata.generation}')"
  expect_equal "deployment status before the patch (no controller here)" "" \
    "$(k get --namespace "$namespace" deployment smoke-web -o 'jsonpath={.status.replicas}')"
  status="{\"status\":{\"observedGeneration\":$generation,\"replicas\":2,\"updatedReplicas\":2,\"readyReplicas\":2,\"availableReplicas\":2}}"
  k patch --namespace "$namespace" deployment smoke-web --subresource=status --type=merge -p "$status"
  local fields='{.status.observedGeneration}/{.status.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.availableReplicas}'
  expect_equal "observedGeneration/replicas/updated/ready/available" "$generation/2/2/2/2" \
    "$(k get --namespace "$namespace" deployment smoke-web -o "jsonpath=$fields")"
  k get --namespace "$namespace" deployment smoke-web
  # A status written through the main resource is ignored: spec and status are separate endpoints.
  k patch --namespace "$namespace" deployment smoke-web --type=merge -p '{"status":{"readyReplicas":0}}' >/dev/null
  expect_equal "readyReplicas after patching status through the main resource" "2" \
    "$(k get --namespace "$namespace" deployment smoke-web -o 'jsonpath={.status.readyReplicas}')"
}

main() {
  parse_args "$@"
  require_command kubectl "install kubectl 1.24 or newer (for --subresource)"
  trap cleanup EXIT
  start_cluster
  step "server version"
  k version -o json 2>/dev/null | grep -E '"gitVersion"' || true
  check_namespace
  check_server_side_apply
  check_service_protocol
  check_status_subresource
  if ((failures)); then
    printf '\nsmoke: %d check(s) FAILED\n' "$failures"
    exit 1
  fi
  printf '\nsmoke: all checks passed\n'
}

main "$@"
