#!/bin/sh
# Builds the release tarball huizong-<version>-linux-<arch>.tar.gz (install.sh installs it; no .deb):
# the release binary, the systemd unit, install.sh and the operators' guides, in one directory.
# Run it by hand on a build machine with the Rust toolchain, from anywhere in the repository;
# CI does not run it. The tarball is written to $CARGO_TARGET_DIR/dist (target/dist by default).
#
# 生成发布包（由 install.sh 安装，不是 .deb）：release 版程序、systemd 单元、install.sh 和运维手册。手动运行，CI 不运行。
#
# On the node's machine:
#   tar -xzf huizong-<version>-linux-<arch>.tar.gz
#   cd huizong-<version>-linux-<arch> && sh install.sh ./huizong     # as root

set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

# The version of the node crate: `cargo pkgid` prints `path+file:///…/node#0.1.0` or
# `path+file:///…#node@0.1.0`.
pkgid=$(cargo pkgid -p node)
version=${pkgid##*#}
version=${version##*@}
arch=$(uname -m)
name="huizong-$version-linux-$arch"

cargo build --release --bin huizong
target=${CARGO_TARGET_DIR:-$root/target}
binary="$target/release/huizong"

dist="$target/dist"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir "$staging/$name"
install -m 0755 "$binary" "$staging/$name/huizong"
install -m 0755 "$here/install.sh" "$staging/$name/install.sh"
install -m 0644 "$here/huizong.service" \
    "$here/OPERATORS-GUIDE.zh-CN.md" "$here/OPERATORS-GUIDE.en.md" "$here/node.toml.example" \
    "$staging/$name/"

mkdir -p "$dist"
tarball="$dist/$name.tar.gz"
tar --owner=0 --group=0 --numeric-owner -C "$staging" -czf "$tarball" "$name"
echo "$tarball"
(cd "$dist" && sha256sum "$name.tar.gz")
