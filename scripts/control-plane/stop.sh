#!/usr/bin/env bash
# Stops the test control plane started by start.sh: kube-apiserver first, then etcd.
#
# Usage: stop.sh [--dir DIR] [--wipe]
#   --dir   state directory; default $STAGECRAFT_DEV_CLUSTER_DIR or ~/.cache/stagecraft/dev-cluster
#   --wipe  also delete the etcd data (every object in the cluster); certificates and kubeconfig stay
#
# Each process gets SIGTERM, up to $STAGECRAFT_DEV_STOP_TIMEOUT seconds (default 10) to exit, then SIGKILL.
# Only processes whose command line names DIR are touched. Stopping a stopped cluster is a no-op.
set -euo pipefail

script_name="stop.sh"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=lib.sh
source "$here/lib.sh"

stop_timeout="${STAGECRAFT_DEV_STOP_TIMEOUT:-10}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
}

parse_args() {
  dir="$default_dir" wipe=false
  while (($#)); do
    case "$1" in
      --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir="$2"; shift 2 ;;
      --wipe) wipe=true; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage; die "unknown argument '$1'; see the usage above" ;;
    esac
  done
  [[ "$stop_timeout" =~ ^[0-9]+$ ]] || die "STAGECRAFT_DEV_STOP_TIMEOUT '$stop_timeout' is not a whole number of seconds"
  if [[ ! -d "$dir" ]]; then
    log "nothing to stop: $dir does not exist"
    exit 0
  fi
  dir="$(absolute_dir "$dir")"
}

# Waits up to $2 seconds for pid $1 to be gone (or no longer ours).
wait_gone() {
  local pid="$1" name="$2" limit="$3" deadline
  deadline=$((SECONDS + limit))
  while pid_is_ours "$pid" "$name"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

stop_process() {
  local name="$1" pids=() pid
  pid="$(running_pid "$name")" && pids+=("$pid")
  while read -r pid; do
    [[ -n "$pid" && " ${pids[*]-} " != *" $pid "* ]] && pids+=("$pid")
  done < <(stray_pids "$name")
  if ((${#pids[@]} == 0)); then
    log "$name is not running"
    rm -f "$dir/$name.pid"
    return 0
  fi
  for pid in "${pids[@]}"; do
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$name" "$stop_timeout"; then
      log "$name (pid $pid) ignored SIGTERM for ${stop_timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" "$name" 5 || die "could not stop $name (pid $pid) even with SIGKILL; check 'ps -p $pid' and permissions"
    fi
  done
  rm -f "$dir/$name.pid"
}

main() {
  parse_args "$@"
  require_command flock "apt-get install util-linux"
  take_lock
  stop_process kube-apiserver
  stop_process etcd
  if [[ "$wipe" == true ]]; then
    log "wiping etcd data $dir/etcd-data"
    rm -rf "$dir/etcd-data"
  fi
  log "stopped"
}

main "$@"
