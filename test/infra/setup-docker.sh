#!/usr/bin/env bash
# Installs and starts what the docker-backed tests and the demo need on a fresh Debian 12
# machine: dockerd (Debian's docker.io), the buildx CLI plugin (Debian 13's static build),
# the reference registry (docker-registry) and a static busybox for offline test images.
# Idempotent: each step is skipped when already done. Needs root and Debian's archive.
set -euo pipefail

log() { printf '[setup-docker] %s\n' "$*"; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || need_apt+=(busybox-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq
  # docker.io pulls containerd/runc; keep the /usr/local/bin docker client if one is there.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# The registry package starts a service on :5000 on some systems; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop docker-registry >/dev/null 2>&1 || true; fi

plugin_dir="${HOME}/.docker/cli-plugins"
if ! docker buildx version >/dev/null 2>&1; then
  log "installing the buildx plugin from Debian 13 (trixie)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "deb http://deb.debian.org/debian trixie main" >"$tmp/sources.list"
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
  apt_opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$tmp" && apt-get "${apt_opts[@]}" download docker-buildx >/dev/null)
  dpkg -x "$tmp"/docker-buildx_*.deb "$tmp/x"
  mkdir -p "$plugin_dir"
  install -m 755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-buildx" "$plugin_dir/docker-buildx"
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (no bridge: containers use the host network)"
  mkdir -p /var/log
  nohup dockerd --host unix:///var/run/docker.sock --bridge=none --iptables=false --ip-masq=false \
    >/var/log/dockerd-ci.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd-ci.log >&2; log "dockerd did not start"; exit 1; }
fi
log "ready: $(docker version --format 'client {{.Client.Version}} / daemon {{.Server.Version}}'), buildx $(docker buildx version | awk '{print $2}')"
