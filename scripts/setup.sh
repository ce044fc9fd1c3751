#!/usr/bin/env bash
# Installs what Tessera's tests and demo need on Debian 12 with Node 20:
# the Debian packages (when root; otherwise prints the apt-get line and stops),
# OpenSSH 10.0 from bookworm-backports unpacked into .peers/, and `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  openssh-server openssh-client dropbear-bin
  python3-asyncssh python3-openssl
  chromium
  pcscd vsmartcard-vpcd opensc yubico-piv-tool pcsc-tools
  openssl    # /usr/bin/openssl: tests/pki/openssl-crosscheck.test.ts, tests/relay/tls.test.ts
  websockify socat
  g++ make   # node-gyp builds ssh2's OpenSSL binding at npm ci: the tessera command's packet ciphers (cli/openssl-packet-keys.ts)
)

# apt-get as root, without a prompt, waiting while another apt or dpkg holds its lock (a fresh machine's
# unattended-upgrades or apt-daily run at boot): install waits on dpkg's lock (DPkg::Lock::Timeout), but apt 2.6's
# update fails at once on the lists lock, so that failure alone is retried, for up to 10 minutes.
apt_get() {
  local err waited=no
  for _ in $(seq 1 120); do
    if err=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" 2>&1 >/dev/null); then return 0; fi
    case $err in
      *'Could not get lock'*)
        [ "$waited" = yes ] || echo "setup: another apt or dpkg holds its lock; waiting (up to 10 minutes)"
        waited=yes; sleep 5 ;;
      *) printf '%s\n' "$err" >&2; return 1 ;;
    esac
  done
  printf '%s\n' "$err" >&2
  return 1
}

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt_get update -qq
    apt_get install -y -qq "${missing[@]}"
  else
    echo "setup: missing Debian packages. Run as root:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# OpenSSH 10.0 (the peer for mlkem768x25519-sha256), unpacked beside Debian's 9.2.
OPENSSH10=.peers/openssh-10
if [ ! -x "$OPENSSH10/usr/sbin/sshd" ]; then
  BACKPORTS=/etc/apt/sources.list.d/bookworm-backports.sources
  BACKPORTS_SOURCE='Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  # What apt's package lists hold, not only its sources: lists emptied after an install (as container images do)
  # or a source added without `apt-get update` both leave apt-get download with nothing to fetch.
  # (Read whole before matching: grep -q leaving early would make apt-cache die of SIGPIPE, a failure under pipefail.)
  backports_listed() { local versions; versions=$(apt-cache madison openssh-server 2>/dev/null || true); [[ $versions == *' bookworm-backports/'* ]]; }
  if ! backports_listed; then
    has_source=no
    { [ -f "$BACKPORTS" ] || grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; } && has_source=yes
    if [ "$(id -u)" != 0 ]; then
      echo "setup: OpenSSH 10.0 comes from bookworm-backports, which apt does not list yet. Run as root:"
      if [ "$has_source" = yes ]; then echo "  sudo apt-get update"
      else echo "  printf '$BACKPORTS_SOURCE' | sudo tee $BACKPORTS && sudo apt-get update"; fi
      exit 1
    fi
    [ "$has_source" = yes ] || printf "$BACKPORTS_SOURCE" > "$BACKPORTS"
    echo "setup: apt-get update (bookworm-backports)"
    apt_get update -qq
    backports_listed || { echo "setup: apt still lists no openssh-server in bookworm-backports after apt-get update (see $BACKPORTS)" >&2; exit 1; }
  fi
  echo "setup: unpacking OpenSSH 10.0 from bookworm-backports into $OPENSSH10"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp" && { chown _apt "$tmp" 2>/dev/null || true; } # apt downloads as the _apt user
  (cd "$tmp" && apt-get download -qq -t bookworm-backports openssh-server openssh-client >/dev/null)
  # Unpacked beside, then moved into place: an interrupted unpack is never taken for a finished one.
  rm -rf "$OPENSSH10.partial" && mkdir -p "$OPENSSH10.partial"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$OPENSSH10.partial"; done
  rm -rf "$OPENSSH10" && mv "$OPENSSH10.partial" "$OPENSSH10"
  rm -rf "$tmp" && trap - EXIT
fi

# Test-only login account for the sshd password / keyboard-interactive tests (tests/peers).
# The password below is a fixed, documented TEST password; never reuse it anywhere else.
if [ "$(id -u)" = 0 ]; then
  id tessera-test >/dev/null 2>&1 || useradd -m -s /bin/sh tessera-test
  echo 'tessera-test:tessera-test-password' | chpasswd
  mkdir -p /run/sshd && chmod 0755 /run/sshd   # sshd's privilege-separation directory
fi

# node-gyp builds ssh2's OpenSSL binding at npm ci: point it at the installed Node's headers, so that it does not
# try to download them.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node_version.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi

# npm ci when node_modules does not match package-lock.json.
stamp=node_modules/.tessera-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
# ssh2 skips its binding quietly when the build fails (no compiler at the time): build it now.
if [ ! -f node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node ]; then
  echo "setup: building ssh2's OpenSSL binding"
  # ssh2's install script reports a failed build only when asked to (CI_CHECK_FAIL).
  CI_CHECK_FAIL=ssh2 npm rebuild ssh2 \
    || echo "setup: warning: ssh2's binding did not build (g++, make, python3 and Node's headers are needed); tessera ssh falls back to slower ciphers"
fi

# The `tessera` command's bundle (fast start-up), rebuilt when a source is newer than it.
node -e "import('./scripts/cli-sources.mjs').then((m) => process.exit(m.isFresh(process.cwd(), '.build/cli/tessera.js') ? 0 : 1))" \
  || { echo "setup: building the tessera command"; node scripts/build-cli.mjs; }
