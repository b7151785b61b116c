#!/usr/bin/env bash
# Installs a Hearth release bundle on Debian, Raspberry Pi OS or Armbian:
#
#   /opt/hearth/releases/<version>/   the release (never changed once unpacked)
#   /opt/hearth/current               → releases/<version>
#   /opt/hearth/launcher{,.mjs}       systemd's ExecStart (outside releases/: see scripts/launcher)
#   /var/lib/hearth                   the state (0700), /var/lib/hearth-update (journal, history)
#   /var/log/hearth                   logs
#   /usr/local/bin/hearth, hearth-*   the command line
#   /etc/systemd/system/hearth.service   Restart=always, enabled and started
#
# Usage: install.sh [options] BUNDLE.tar.gz
#   --root DIR      install under DIR instead of / (an image being built, a test); default
#                   $HEARTH_ROOT, else /. Under a root other than / systemctl is not run unless
#                   --systemd is given: systemctl acts on the running host.
#   --no-systemd    write the unit but do not run systemctl (a chroot, a container build)
#   --systemd       run systemctl even with --root
#   --no-start      enable the unit but do not start it now
#   --node PATH     the node binary (default: node on PATH); Node 20.19 or newer
#   --force         reinstall a version that is already installed and current
#   --no-packages   do not install the Debian packages Hearth's features run (zstd, rsync,
#                   fdisk, btrfs-progs, …); by default they are installed with apt-get when
#                   the root is / and apt-get exists
#
# Installing a version next to an installed one switches `current` to it (the previous one
# is kept); updates afterwards are done by Hearth itself (docs/operations.md).
# Exit status: 0 installed, 1 failed (nothing switched), 2 usage.
set -euo pipefail
umask 022

usage() {
  sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
say() { printf 'hearth-install: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

root=${HEARTH_ROOT:-/} systemd=auto start=yes node=node force=no packages=auto bundle=''
while [[ $# -gt 0 ]]; do
  case $1 in
    --root) [[ $# -ge 2 ]] || usage; root=$2; shift 2 ;;
    --no-systemd) systemd=no; shift ;;
    --systemd) systemd=yes; shift ;;
    --no-start) start=no; shift ;;
    --node) [[ $# -ge 2 ]] || usage; node=$2; shift 2 ;;
    --force) force=yes; shift ;;
    --no-packages) packages=no; shift ;;
    -h | --help) usage ;;
    -*) say "unknown option $1"; usage ;;
    *) [[ -z $bundle ]] || usage; bundle=$1; shift ;;
  esac
done
[[ -n $bundle ]] || usage
[[ -f $bundle ]] || die "no bundle at $bundle"
mkdir -p -- "$root"
root=$(cd -- "$root" && pwd -P)
if [[ $systemd == auto ]]; then
  if [[ $root == / ]]; then systemd=yes; else systemd=no; fi
fi
if [[ $root == / && $(id -u) -ne 0 ]]; then die "run as root (sudo $0 …)"; fi

# Node: the release's native modules are built for one Node ABI; the bundle says which.
command -v "$node" >/dev/null 2>&1 || die "node is not installed: install Node.js 20.19 or newer (Debian 13: apt install nodejs; older releases: NodeSource), then run this again"
node_ok=$("$node" -e 'const [a,b]=process.versions.node.split(".").map(Number);console.log(a>20||(a===20&&b>=19)?"yes":"no")')
[[ $node_ok == yes ]] || die "node $("$node" --version) is too old: Hearth needs 20.19 or newer"

# What the bundle is, from its first entry.
info=$(tar -xzOf "$bundle" bundle.json 2>/dev/null) || die "$bundle is not a Hearth release bundle (no bundle.json)"
read -r version arch abi < <(printf '%s' "$info" | "$node" -e '
  let text = ""; process.stdin.on("data", (c) => (text += c)).on("end", () => {
    const b = JSON.parse(text);
    if (b.name !== "hearth" || !/^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/.test(b.version)) process.exit(1);
    console.log(b.version, b.arch, b.nodeAbi);
  });') || die "$bundle has a bundle.json that is not Hearth's"
here_arch=$("$node" -p process.arch)
here_abi=$("$node" -p process.versions.modules)
[[ $arch == "$here_arch" ]] || die "the bundle is built for $arch; this machine is $here_arch"
[[ $abi == "$here_abi" ]] || die "the bundle is built for Node ABI $abi; this node ($("$node" --version)) is ABI $here_abi"

# The programs Hearth runs: backups (zstd), the data folder move and logs in RAM (rsync),
# formatting and mounting drives (fdisk's sfdisk, btrfs-progs, e2fsprogs, util-linux).
if [[ $packages == auto && $root == / ]] && command -v apt-get >/dev/null 2>&1; then
  say "installing the Debian packages Hearth uses (--no-packages to skip)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    zstd rsync fdisk btrfs-progs e2fsprogs util-linux ||
    die "apt-get could not install the packages Hearth uses (run apt-get update first?); Hearth was not installed"
fi

opt=$root/opt/hearth
releases=$opt/releases
target=$releases/$version
state=$root/var/lib/hearth
updates=$root/var/lib/hearth-update

if [[ -f $updates/journal.json ]]; then
  die "an update is in progress or waiting ($updates/journal.json); start Hearth (systemctl start hearth) and let it finish first"
fi
current=''
if [[ -L $opt/current ]]; then current=$(readlink "$opt/current"); fi
if [[ $current == "releases/$version" && -d $target && $force == no ]]; then
  say "Hearth $version is already installed and current (--force to reinstall)"
  exit 0
fi

# Unpack beside the target, then rename: a half-unpacked release never has the release's name.
mkdir -p -- "$releases"
partial=$releases/.$version.partial-install
rm -rf -- "$partial"
mkdir -m 0755 -- "$partial"
trap 'rm -rf -- "$partial"' EXIT
say "unpacking Hearth $version into $target"
tar -xzf "$bundle" -C "$partial" --no-same-owner --no-same-permissions --delay-directory-restore
for file in package.json dist/server/cli/hearth.js scripts/launcher scripts/launcher.mjs scripts/systemd/hearth.service; do
  [[ -f $partial/$file ]] || die "the bundle does not hold a complete release (no $file)"
done
sync --file-system "$partial"
if [[ -e $target ]]; then
  [[ $current != "releases/$version" ]] || say "replacing the current release $version (--force)"
  mv -T -- "$target" "$releases/.$version.replaced"
  rm -rf -- "$releases/.$version.replaced"
fi
mv -T -- "$partial" "$target"
trap - EXIT
sync --file-system "$releases"

# The state and the update's own directory; the owner's data directory is made by Hearth.
install -d -m 0700 -- "$state" "$updates"
install -d -m 0750 -- "$root/var/log/hearth"

# The launcher lives outside releases/ so that a broken release cannot break it.
for name in launcher.mjs launcher; do
  install -m 0755 -- "$target/scripts/$name" "$opt/.$name.new"
  mv -T -- "$opt/.$name.new" "$opt/$name"
done

# current → the new release: a new link renamed over the old one (atomic), then synced.
ln -sfn -- "releases/$version" "$opt/.current.new"
mv -T -- "$opt/.current.new" "$opt/current"
sync --file-system "$opt"

# The command line: small wrappers, so that `hearth-backup` is `hearth backup` on the current release.
bin=$root/usr/local/bin
install -d -m 0755 -- "$bin"
write_wrapper() {
  local name=$1 command=$2
  {
    printf '#!/bin/sh\n# Installed by Hearth (scripts/install.sh): runs the current release.\n'
    printf 'exec node --max-semi-space-size=1 /opt/hearth/current/dist/server/cli/hearth.js %s"$@"\n' "$command"
  } >"$bin/.$name.new"
  chmod 0755 -- "$bin/.$name.new"
  mv -T -- "$bin/.$name.new" "$bin/$name"
}
write_wrapper hearth ''
while read -r alias; do
  [[ -n $alias ]] && write_wrapper "hearth-$alias" "$alias "
done < <("$node" -e 'for (const n of Object.keys(require(process.argv[1]).bin ?? {})) if (n.startsWith("hearth-")) console.log(n.slice(7))' "$target/package.json")

# The systemd unit (written also with --no-systemd: an image gets it ready).
unit_dir=$root/etc/systemd/system
install -d -m 0755 -- "$unit_dir"
install -m 0644 -- "$target/scripts/systemd/hearth.service" "$unit_dir/hearth.service"

if [[ $systemd == yes ]]; then
  systemctl daemon-reload
  systemctl enable hearth.service
  if [[ $start == yes ]]; then systemctl restart hearth.service; fi
  say "Hearth $version is installed and ${start/yes/running}; see: systemctl status hearth"
else
  say "Hearth $version is installed under $root (systemctl not run)"
fi
printf '%s\n' "$version"
