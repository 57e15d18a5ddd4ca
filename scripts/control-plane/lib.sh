# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared with the sourcing scripts
# Shared helpers for start.sh, stop.sh and smoke.sh (sourced, not executed).
# Each script sets `script_name` before sourcing this file.

# Defaults; each can be overridden by the matching option of start.sh / stop.sh.
default_dir="${STAGECRAFT_DEV_CLUSTER_DIR:-${HOME}/.cache/stagecraft/dev-cluster}"
default_port="${STAGECRAFT_DEV_CLUSTER_PORT:-6443}"
default_etcd_port="${STAGECRAFT_DEV_ETCD_PORT:-2379}"
default_etcd_peer_port="${STAGECRAFT_DEV_ETCD_PEER_PORT:-2380}"

log() { printf '%s: %s\n' "${script_name:-control-plane}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

require_command() {
  local command="$1" fix="$2"
  command -v "$command" >/dev/null 2>&1 || die "'$command' is not installed; $fix"
}

require_port_number() {
  local name="$1" value="$2"
  if [[ ! "$value" =~ ^[0-9]+$ ]] || ((10#$value < 1 || 10#$value > 65535)); then
    die "$name '$value' is not a port number (1-65535)"
  fi
}

# Absolute path of a directory, created if missing.
absolute_dir() {
  mkdir -p "$1" || die "cannot create directory '$1'; pass a writable --dir"
  (cd "$1" && pwd -P)
}

# Serialises start.sh and stop.sh on one cluster directory (fd 9 stays open until the script exits).
take_lock() {
  exec 9>"$dir/.lock"
  if ! flock -n 9; then
    log "waiting for another start.sh/stop.sh on $dir"
    flock 9
  fi
}

# Prints the pid recorded in DIR/NAME.pid when that process is alive and really is our NAME for
# this DIR (its command line mentions DIR), so a recycled pid is never taken for ours.
running_pid() {
  local name="$1" pid_file="$dir/$1.pid" pid
  [[ -s "$pid_file" ]] || return 1
  pid="$(<"$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_is_ours "$pid" "$name" || return 1
  printf '%s\n' "$pid"
}

pid_is_ours() {
  local pid="$1" name="$2" cmdline
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "${cmdline%% *}" == *"$name" && "$cmdline" == *"$dir/"* ]]
}

# Pids of NAME processes for this DIR that have no (or a stale) pid file, e.g. after the pid file was removed.
stray_pids() {
  local name="$1" proc pid
  for proc in /proc/[0-9]*; do
    pid="${proc#/proc/}"
    [[ "$pid" != "$$" ]] && pid_is_ours "$pid" "$name" && printf '%s\n' "$pid"
  done
  return 0
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Reads DIR/instance.env (ports of the instance last started from DIR) into recorded_* variables.
read_instance_env() {
  recorded_port="" recorded_etcd_port="" recorded_etcd_peer_port=""
  [[ -s "$dir/instance.env" ]] || return 0
  local key value
  while IFS='=' read -r key value; do
    case "$key" in
      port) recorded_port="$value" ;;
      etcd_port) recorded_etcd_port="$value" ;;
      etcd_peer_port) recorded_etcd_peer_port="$value" ;;
    esac
  done <"$dir/instance.env"
}

apiserver_ready() {
  [[ -s "$dir/kubeconfig" ]] || return 1
  kubectl --kubeconfig "$dir/kubeconfig" --request-timeout=5s get --raw /readyz >/dev/null 2>&1
}

log_tail() {
  local file="$1"
  [[ -s "$file" ]] || { printf '  (%s is empty or missing)\n' "$file"; return 0; }
  printf -- '--- last 25 lines of %s ---\n' "$file"
  tail -n 25 "$file"
  printf -- '--- end of %s ---\n' "$file"
}
