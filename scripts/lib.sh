# shellcheck shell=bash
# Sourced by the scripts, with how their log lines start ("[toolchain]", "local-cluster:"; tests
# and CI grep for it):   source "$REPO_ROOT/scripts/lib.sh" "[toolchain]"
# Gives them where the toolchain is cached, and one way to print progress and to fail.

LOG_PREFIX="${1:?source scripts/lib.sh with the prefix of the log lines}"

# scripts/toolchain.sh builds into it; scripts/images.sh caches the images under it.
# shellcheck disable=SC2034 # read by the scripts that source this file
TOOLCHAIN_CACHE="${ARKOUDA_TOOLCHAIN_CACHE:-$HOME/.cache/arkouda-workflows/toolchain}"

log() { printf '%s %s\n' "$LOG_PREFIX" "$*" >&2; }
die() {
  printf '%s error: %s\n' "$LOG_PREFIX" "$*" >&2
  exit 1
}
# A phase heading, set off by a blank line: "<prefix> == <phase>".
phase() { printf '\n%s == %s\n' "$LOG_PREFIX" "$*" >&2; }
