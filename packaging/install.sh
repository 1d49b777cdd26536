#!/bin/sh
# Installs the redband agent from an unpacked device package (npm run build:agent):
#   sudo ./install.sh              the redband user, /opt/redband, /etc/redband/agent.yaml,
#                                  /var/lib/redband and the systemd unit
#   ./install.sh --prefix DIR      the same files under DIR, without root: no user, no systemctl
# Nothing is downloaded: the package carries its node_modules, built for one architecture
# (its package.env says which). An existing agent.yaml is kept; the new one goes beside it.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
say() { printf 'install.sh: %s\n' "$*"; }
die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix)
      [ $# -ge 2 ] && [ -n "$2" ] || die "--prefix needs a directory"
      PREFIX=$2
      shift 2
      ;;
    --prefix=*)
      PREFIX=${1#--prefix=}
      [ -n "$PREFIX" ] || die "--prefix needs a directory"
      shift
      ;;
    -h | --help)
      sed -n '2,7s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $1 (usage: install.sh [--prefix DIR])" ;;
  esac
done

[ -f "$HERE/package.env" ] || die "$HERE/package.env is missing: run install.sh from an unpacked package"
# shellcheck source=/dev/null
. "$HERE/package.env"

# --- Node: version, platform, architecture, and the ABI better-sqlite3 was compiled for ---
NODE=$(command -v node) || die "Node.js >= $NODE_MIN is needed, and there is no node on PATH"
FACTS=$("$NODE" -e 'process.stdout.write([process.versions.node, process.platform, process.arch, process.versions.modules].join(" "))') ||
  die "$NODE does not run"
set -- $FACTS
NODE_VERSION=$1 NODE_PLATFORM=$2 NODE_ARCH=$3 NODE_HAS_ABI=$4

# true when version $1 >= $2 (dotted numbers)
version_at_least() {
  printf '%s\n%s\n' "$2" "$1" | awk -F. '
    NR == 1 { for (i = 1; i <= 3; i++) want[i] = $i + 0 }
    NR == 2 { for (i = 1; i <= 3; i++) { have = $i + 0; if (have != want[i]) exit !(have > want[i]) } }'
}
version_at_least "$NODE_VERSION" "$NODE_MIN" ||
  die "Node.js >= $NODE_MIN is needed; $NODE is $NODE_VERSION"
[ "$NODE_PLATFORM" = linux ] || die "this package is for Linux; $NODE runs on $NODE_PLATFORM"
[ "$NODE_ARCH" = "$PACKAGE_ARCH" ] ||
  die "this package is for linux-$PACKAGE_ARCH; $NODE is linux-$NODE_ARCH: build one with npm run build:agent -- --arch $NODE_ARCH"
[ "$NODE_HAS_ABI" = "$NODE_ABI" ] ||
  die "this package's better-sqlite3 was built with Node $BUILD_NODE (ABI $NODE_ABI); $NODE is $NODE_VERSION (ABI $NODE_HAS_ABI): install Node ${BUILD_NODE%%.*} or build the package with Node ${NODE_VERSION%%.*}"

# The prefix and node's path are written into the installed config and unit with sed.
plain_path() {
  case "$2" in
    *[!A-Za-z0-9._/+-]*) die "$1: use only letters, digits and . _ / + - in the path" ;;
  esac
}
plain_path "node at $NODE" "$NODE"

# --- where ---
if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX"
  PREFIX=$(cd "$PREFIX" && pwd)
  plain_path "--prefix $PREFIX" "$PREFIX"
  say "--prefix $PREFIX: installing under it; no redband user is created and systemctl is not run"
else
  [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0), or pass --prefix DIR to install under DIR without root"
fi
HOME_DIR=$PREFIX/opt/redband
ETC_DIR=$PREFIX/etc/redband
STATE_DIR=$PREFIX/var/lib/redband
UNIT_DIR=$PREFIX/etc/systemd/system

# Paths of the packaged config and unit, moved under the prefix; the unit's node is this one.
place() {
  sed -e "s|/opt/redband|$HOME_DIR|g" -e "s|/etc/redband|$ETC_DIR|g" \
    -e "s|/var/lib/redband|$STATE_DIR|g" -e "s|/usr/bin/node|$NODE|g" "$1"
}

# --- the user (not under a prefix) ---
if [ -z "$PREFIX" ] && ! id redband >/dev/null 2>&1; then
  command -v useradd >/dev/null 2>&1 || die "useradd is not available: create a system user redband, then run install.sh again"
  useradd --system --home-dir /var/lib/redband --no-create-home --shell /usr/sbin/nologin redband
  say "created system user redband"
fi

# --- files ---
mkdir -p "$PREFIX/opt" "$ETC_DIR" "$STATE_DIR" "$UNIT_DIR"
rm -rf "$HOME_DIR.new"
cp -R "$HERE/opt/redband" "$HOME_DIR.new"
rm -rf "$HOME_DIR"
mv "$HOME_DIR.new" "$HOME_DIR"
say "installed redband-agent $REDBAND_VERSION (linux-$PACKAGE_ARCH, runtime $MODEL_RUNTIME) in $HOME_DIR"

CONFIG=$ETC_DIR/agent.yaml
if [ -f "$CONFIG" ]; then
  place "$HERE/etc/redband/agent.yaml" >"$CONFIG.new"
  say "kept $CONFIG; the packaged config is $CONFIG.new"
else
  place "$HERE/etc/redband/agent.yaml" >"$CONFIG"
  say "installed $CONFIG: set mqtt.url (and tls, username, password_env) for your broker"
fi

place "$HERE/redband-agent.service" >"$UNIT_DIR/redband-agent.service"
say "installed $UNIT_DIR/redband-agent.service (ExecStart: $NODE)"

if [ -n "$PREFIX" ]; then
  # the unit's own command and environment (its node flags and malloc setting keep the agent
  # under MemoryMax), less what only systemd expands (%H)
  UNIT_ENV=$(sed -n 's/^Environment=//p' "$UNIT_DIR/redband-agent.service" | grep -v '%' | tr '\n' ' ')
  UNIT_EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT_DIR/redband-agent.service")
  say "run it: cd $STATE_DIR && $UNIT_ENV$UNIT_EXEC"
  exit 0
fi

chown redband:redband "$STATE_DIR"
chmod 0750 "$STATE_DIR"
if command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  say "next: edit $CONFIG, then systemctl enable --now redband-agent"
else
  say "systemctl not found: start $HOME_DIR/redband-agent.mjs --config $CONFIG as user redband from $STATE_DIR"
fi
