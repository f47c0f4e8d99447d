#!/bin/bash
# mmdebstrap customize hook for the stand-in base rootfs: what the real image has beyond packages.
set -euo pipefail
root="$1"
# The real image runs Arkouda as user ubuntu (uid 1000) with passwordless sudo; the launch
# scripts sudo to install keys and start sshd.
chroot "$root" groupadd --gid 1000 ubuntu
chroot "$root" useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash ubuntu
printf 'ubuntu ALL=(ALL) NOPASSWD:ALL\n' >"$root/etc/sudoers.d/ubuntu"
chmod 0440 "$root/etc/sudoers.d/ubuntu"
mkdir -p "$root/opt/arkouda" "$root/run/sshd"
chroot "$root" chown ubuntu:ubuntu /opt/arkouda
# Keep the layer small: no apt lists, docs or man pages.
rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/cache/apt/*.bin
