#!/bin/sh
# Installs what building and testing cell needs on Debian 12 (as root).
set -e
export DEBIAN_FRONTEND=noninteractive
pkgs="build-essential autoconf automake pkg-config libseccomp-dev libcap-dev
libyajl-dev libmount-dev busybox-static bats jq uidmap iproute2 util-linux
procps"
# golang-github-containers-common: podman's seccomp.json (Debian 12's name
# for containers-common)
[ "${1:-}" = "--test" ] && pkgs="$pkgs valgrind crun runc libcap2-bin
golang-github-containers-common containerd"
# tests/podman.bats: podman 4.3 (conmon comes with it), catatonit for --init
[ "${1:-}" = "--test" ] && pkgs="$pkgs podman catatonit"
# tests/systemd.bats boots the host's systemd in a container in cgroup2-vm
[ "${1:-}" = "--test" ] && pkgs="$pkgs systemd"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null
fi
