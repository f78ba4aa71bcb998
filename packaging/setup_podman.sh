#!/usr/bin/env bash
# One-time set-up of a daemonless machine (no Docker daemon, e.g. a CI sandbox or a VM without systemd
# cgroups) so that `make images` can build with podman. Not part of `make test` and not needed where a
# Docker daemon or a working podman already exists.
#
# What it does (root required, Debian/Ubuntu):
#   1. installs podman, runc and debootstrap from the distribution's packages;
#   2. writes /etc/containers/containers.conf so podman uses the runc runtime, the cgroupfs cgroup manager
#      (there is no systemd to delegate cgroups to) and no default ulimits (the sandbox forbids raising
#      RLIMIT_NOFILE, which podman's default "nofile=1048576" tries to do for every container).
# Rootful podman reads only /etc/containers/containers.conf (the ~/.config one is for rootless users).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "setup_podman.sh: run as root (it installs packages and writes /etc/containers)" >&2
  exit 1
fi

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    podman runc debootstrap uidmap slirp4netns containernetworking-plugins iptables
fi

conf=/etc/containers/containers.conf
mkdir -p /etc/containers
if [[ -f $conf ]] && ! grep -q 'written by packaging/setup_podman.sh' "$conf"; then
  cp "$conf" "$conf.bak.$(date +%s)"
fi
cat >"$conf" <<'CONF'
# written by packaging/setup_podman.sh (stampli-nav connectors): sandbox without systemd cgroups
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF

podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}'
