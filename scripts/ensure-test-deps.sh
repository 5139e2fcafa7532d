#!/usr/bin/env bash
# Makes sure the real servers the tests start are installed: redis-server, Dovecot (IMAP +
# LMTP + doveadm), Debian's chromium and a CJK font (so zh-TW screenshots show text).
#
# Guarantees: when everything is present it changes nothing and exits 0. When something is
# missing and we run as root on Debian/Ubuntu, it installs the packages with apt-get without
# starting or enabling their system services (a temporary policy-rc.d denies service starts;
# the tests run their own instances on free ports). Otherwise it exits 1 and prints the exact
# command to run. Tests never skip because a server is missing: this script is why.
set -euo pipefail

PACKAGES=(redis-server dovecot-imapd dovecot-lmtpd chromium fonts-noto-cjk)
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
need_cmd() { # need_cmd COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing+=("$2 (command $1)")
}
need_file() { # need_file PATH PACKAGE
  [ -e "$1" ] || missing+=("$2 ($1)")
}

need_cmd redis-server redis-server
need_cmd dovecot dovecot-core
need_cmd doveadm dovecot-core
need_file /usr/lib/dovecot/imap dovecot-imapd
need_file /usr/lib/dovecot/lmtp dovecot-lmtpd
need_cmd chromium chromium
if ! compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc' >/dev/null; then
  missing+=("fonts-noto-cjk (/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc)")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all present (redis-server, dovecot imap+lmtp, doveadm, chromium, Noto CJK)"
  exit 0
fi

echo "test dependencies missing:"
printf '  - %s\n' "${missing[@]}"
INSTALL_CMD="apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}"

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo
  echo "Install them, then run the tests again:"
  if command -v apt-get >/dev/null 2>&1; then
    echo "  sudo sh -c '$INSTALL_CMD'"
  else
    echo "  (not a Debian system) on Debian/Ubuntu: sudo sh -c '$INSTALL_CMD'"
    echo "  elsewhere install: redis-server, dovecot with imap and lmtp, chromium, Noto CJK fonts"
  fi
  exit 1
fi

echo "installing as root: $INSTALL_CMD"
# Deny service starts during the install (exit 101 = "action forbidden" for invoke-rc.d),
# unless the machine already has a policy of its own.
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"

# Where systemd is running, make sure the distribution's units stay off: tests use their own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now dovecot.service redis-server.service >/dev/null 2>&1 || true
fi
echo "test dependencies: installed"
