#!/usr/bin/env bash
# npm run test:all: install the Debian packages the tests need when they are
# missing (test/setup/debian-packages.txt), then run npm test. Needs root for
# apt-get; when everything is installed already it needs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing="$(node test/setup/packages.mjs --missing)"
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "npm run test:all: missing Debian packages $missing; installing them needs root: sudo apt-get install $missing" >&2
    exit 1
  fi
  echo "installing Debian packages for the tests: $missing"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
exec npm test
