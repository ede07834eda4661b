#!/bin/sh
# Installs one huizong node on a Debian machine (as root):
#   - the binary as /usr/bin/huizong,
#   - the system user and group `huizong` (no login shell, home /var/lib/huizong),
#   - the node directory /var/lib/huizong (mode 0700, owned by huizong, left empty for `huizong init`),
#   - the systemd unit /etc/systemd/system/huizong.service (from beside this script), then
#     `systemctl daemon-reload`,
#   - the operators' guides beside this script, if present, in /usr/share/doc/huizong.
# It starts nothing and never touches what is inside /var/lib/huizong. Running it again is safe: an
# upgrade is `systemctl stop huizong`, this script with the new binary, `systemctl start huizong`.
#
# 安装一个 huizong 节点（以 root 身份运行）。可以重复运行；升级时先停服务，再用新程序运行本脚本，再启动服务。
#
# Usage / 用法:
#   sh install.sh /path/to/huizong
#   DESTDIR=/tmp/root sh install.sh /path/to/huizong   # into a staging directory, no root needed:
#                                                      # no user, no ownership, no systemctl
# Messages are in Chinese unless HUIZONG_LANG=en (as huizong itself).

set -eu

say() {
    # say "中文" "English"
    if [ "${HUIZONG_LANG:-zh}" = en ]; then
        printf '%s\n' "$2"
    else
        printf '%s\n' "$1"
    fi
}

fail() {
    say "错误：$1" "error: $2" >&2
    exit 1
}

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    say "用法：install.sh /path/to/huizong    （DESTDIR=目录 时装到该目录下，不需要 root）" \
        "usage: install.sh /path/to/huizong    (with DESTDIR=DIR, installs under DIR without root)" >&2
    exit 2
fi

binary=$1
here=$(cd "$(dirname "$0")" && pwd)
unit="$here/huizong.service"
destdir=${DESTDIR:-}
user=huizong
state=/var/lib/huizong

if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    fail "请以 root 身份运行（或设置 DESTDIR 装到暂存目录）" \
         "run this as root (or set DESTDIR to install into a staging directory)"
fi
[ -f "$binary" ] || fail "没有这个文件：$binary" "no such file: $binary"
[ -f "$unit" ] || fail "找不到服务单元：$unit" "the unit file is missing: $unit"
# The binary must run here (right architecture, not truncated).
version=$("$binary" --version 2>/dev/null) ||
    fail "$binary 不能在本机运行" "$binary does not run on this machine"
case $version in
    huizong*) ;;
    *) fail "$binary 不是 huizong" "$binary is not huizong" ;;
esac

if [ -n "$destdir" ]; then
    say "DESTDIR=$destdir：只复制文件；跳过创建用户、设置属主和 systemctl" \
        "DESTDIR=$destdir: copying files only; skipping useradd, chown and systemctl"
fi

# 1. The binary: copied beside the old one, then renamed over it, so a running node keeps its
#    old file until it restarts and no one ever sees a half-written binary.
install -d -m 0755 "$destdir/usr/bin"
install -m 0755 "$binary" "$destdir/usr/bin/.huizong.new"
mv -f "$destdir/usr/bin/.huizong.new" "$destdir/usr/bin/huizong"
say "已安装 $destdir/usr/bin/huizong（$version）" "installed $destdir/usr/bin/huizong ($version)"

# 2. The system user and group.
if [ -z "$destdir" ]; then
    if getent passwd "$user" >/dev/null; then
        say "用户 $user 已存在" "user $user exists"
    else
        if getent group "$user" >/dev/null; then
            group_option="-g $user"
        else
            group_option="-U"
        fi
        # shellcheck disable=SC2086 # the option is two words or one on purpose
        useradd --system $group_option --home-dir "$state" --no-create-home \
            --shell /usr/sbin/nologin --comment "huizong node" "$user"
        say "已创建系统用户 $user" "created the system user $user"
    fi
fi

# 3. The node directory: private to huizong; its contents are never touched here.
if [ -z "$destdir" ]; then
    install -d -m 0700 -o "$user" -g "$user" "$state"
else
    install -d -m 0700 "$destdir$state"
fi
say "节点目录 $destdir$state（0700）" "node directory $destdir$state (0700)"

# 4. The unit, and the guides the unit's Documentation= names.
install -d -m 0755 "$destdir/etc/systemd/system"
install -m 0644 "$unit" "$destdir/etc/systemd/system/huizong.service"
say "已安装 $destdir/etc/systemd/system/huizong.service" \
    "installed $destdir/etc/systemd/system/huizong.service"
for guide in "$here"/OPERATORS-GUIDE.*.md "$here"/node.toml.example; do
    [ -f "$guide" ] || continue
    install -d -m 0755 "$destdir/usr/share/doc/huizong"
    install -m 0644 "$guide" "$destdir/usr/share/doc/huizong/"
done

# 5. systemd reads the unit again.
if [ -z "$destdir" ]; then
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        if systemctl is-active --quiet huizong; then
            say "huizong 正在运行旧程序：请执行 systemctl restart huizong" \
                "huizong is running the previous binary: systemctl restart huizong"
        fi
    else
        say "systemd 没有运行：跳过 systemctl daemon-reload" \
            "systemd is not running: skipped systemctl daemon-reload"
    fi
fi

if [ "${HUIZONG_LANG:-zh}" = en ]; then
    cat <<EOF

Next steps (see OPERATORS-GUIDE.en.md):
  1. Make this node's key as the huizong user and send the printed public key to the region's operator:
       install -d -m 0700 -o huizong -g huizong /srv/huizong-files
       runuser -u huizong -- huizong keygen --out /srv/huizong-files/node.key
  2. With the signed topology in /srv/huizong-files/topology.toml, create the node directory:
       chown huizong:huizong /srv/huizong-files/topology.toml
       runuser -u huizong -- huizong init --dir $state --topology /srv/huizong-files/topology.toml --node CODE --key /srv/huizong-files/node.key
       runuser -u huizong -- huizong config check --dir $state
  3. Open the node's UDP port if it has children (e.g. ufw allow 47000/udp), then:
       systemctl enable --now huizong
       runuser -u huizong -- huizong status --dir $state
EOF
else
    cat <<EOF

下一步（详见 OPERATORS-GUIDE.zh-CN.md）：
  1. 以 huizong 用户生成本节点的密钥，把打印出的公钥发给自治区（省级）节点的管理员：
       install -d -m 0700 -o huizong -g huizong /srv/huizong-files
       runuser -u huizong -- huizong keygen --out /srv/huizong-files/node.key
  2. 收到签好名的拓扑文件、放到 /srv/huizong-files/topology.toml 后，创建节点目录：
       chown huizong:huizong /srv/huizong-files/topology.toml
       runuser -u huizong -- huizong init --dir $state --topology /srv/huizong-files/topology.toml --node 区划代码 --key /srv/huizong-files/node.key
       runuser -u huizong -- huizong config check --dir $state
  3. 有下级的节点打开它的 UDP 端口（如 ufw allow 47000/udp），然后：
       systemctl enable --now huizong
       runuser -u huizong -- huizong status --dir $state
EOF
fi
