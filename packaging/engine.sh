#!/usr/bin/env bash
# container_engine: print the container CLI to use, or fail.
# docker only counts when its daemon answers (a docker client without a daemon is common in sandboxes);
# otherwise podman, which is daemonless. CONTAINER_ENGINE=docker|podman forces a choice.
container_engine() {
  if [[ -n "${CONTAINER_ENGINE:-}" ]]; then
    command -v "$CONTAINER_ENGINE" >/dev/null && echo "$CONTAINER_ENGINE" && return 0
    echo "CONTAINER_ENGINE=$CONTAINER_ENGINE is not installed" >&2
    return 1
  fi
  if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then
    echo docker
    return 0
  fi
  if command -v podman >/dev/null && timeout 30 podman info >/dev/null 2>&1; then
    echo podman
    return 0
  fi
  return 1
}
