#!/bin/sh
# Install what mailrig needs on Debian 12, only what is missing.
#   tests/deps.sh build   libraries and tools to build mailrig
#   tests/deps.sh test    the above plus the real clients the tests drive
set -eu

BUILD_PKGS="build-essential pkg-config libevent-dev libssl-dev libyaml-dev
    libcjson-dev libgmime-3.0-dev check openssl"
TEST_PKGS="swaks curl msmtp python3 valgrind nodejs npm postfix
    fetchmail getmail6 isync offlineimap3 mutt s-nail python3-jsonschema
    python3-yaml chromium chromium-driver
    libnet-ssleay-perl libauthen-sasl-perl libdigest-hmac-perl ca-certificates
    clang libclang-rt-14-dev"

mode=${1:-build}
pkgs=$BUILD_PKGS
[ "$mode" = test ] && pkgs="$BUILD_PKGS $TEST_PKGS"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		# nodejs from other sources ships npm itself
		if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
			continue
		fi
		if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then
			continue
		fi
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	echo "deps: installing$missing"
	# Postfix installs without a daemon or questions when preseeded.
	echo "postfix postfix/main_mailer_type select No configuration" |
	    $SUDO debconf-set-selections
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
fi

if [ "$mode" = test ] && [ -f tests/integration/package.json ]; then
	if [ ! -d tests/integration/node_modules ] ||
	    [ tests/integration/package-lock.json -nt tests/integration/node_modules ]; then
		(cd tests/integration && npm ci --no-audit --no-fund --silent)
	fi
fi
exit 0
