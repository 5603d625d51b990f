#!/bin/sh
# System packages the test suite needs beyond Python: an OpenSSH server, so the ssh remote
# tests can start a real sshd on 127.0.0.1. Installs it with apt when missing (needs root);
# does nothing when it is already there, and only prints a note when it cannot install.
set -u

if [ -x /usr/sbin/sshd ]; then
  mkdir -p /run/sshd 2>/dev/null || true
  exit 0
fi
if [ "$(id -u 2>/dev/null)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: /usr/sbin/sshd missing and apt-get/root unavailable;" \
    "ssh remote tests need openssh-server" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends openssh-server >/dev/null 2>&1; then
    echo "setup-system: could not install openssh-server with apt-get;" \
      "ssh remote tests need it" >&2
    exit 0
  fi
fi
mkdir -p /run/sshd
