# Helpers shared by build.sh and the image recipes (sourced, not run).

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The Debian mirror this machine's apt uses for its main suite (deb822 .sources or one-line lists),
# MLK_DEBIAN_MIRROR when set, else deb.debian.org.
debian_mirror() {
  if [ -n "${MLK_DEBIAN_MIRROR:-}" ]; then echo "$MLK_DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(
    {
      # deb822: the URIs of a stanza whose Suites has a plain release name (not -security/-updates).
      awk 'BEGIN { RS = ""; FS = "\n" }
           /(^|\n)Types:[^\n]*deb([ \t\n]|$)/ {
             uris = ""; main = 0
             for (i = 1; i <= NF; i++) {
               if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
               if ($i ~ /^Suites:/ && $i ~ /(:|[ \t])[a-z]+([ \t]|$)/) main = 1
             }
             if (main && uris != "") { split(uris, u, /[ \t]+/); print u[1] }
           }' /etc/apt/sources.list.d/*.sources 2>/dev/null
      # one-line format: "deb [options] URI SUITE COMPONENTS"
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -n 's/^deb[ \t]\+\(\[[^]]*\][ \t]\+\)\?\([^ \t]\+\)[ \t]\+[a-z]\+[ \t].*/\2/p'
    } | grep -E '/debian/?$' | head -n1
  )"
  echo "${uri:-http://deb.debian.org/debian}"
}

# The CA bundle the host's pip/requests trust (an intercepting proxy's CA is in it on some machines).
host_ca_bundle() {
  local f
  for f in "${PIP_CERT:-}" "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$f" ] && [ -f "$f" ]; then echo "$f"; return; fi
  done
}

# in_chroot ROOTFS USERSPEC COMMAND...: runs COMMAND inside ROOTFS with a clean environment, in private
# mount and PID namespaces: /proc, a tmpfs /dev/shm (and, with CHROOT_TMPFS=1, a tmpfs /tmp) and the
# bind mounts in CHROOT_BINDS ("HOSTDIR:DIR_IN_ROOTFS ...") exist only there, so nothing stays mounted
# and no process survives the call, whatever happens. The array CHROOT_ENV adds VAR=VALUE words.
CHROOT_ENV=()
in_chroot() {
  local rootfs="$1" userspec="$2"; shift 2
  local home=/root
  [ "$userspec" = 0:0 ] || home="$(awk -F: -v u="${userspec%%:*}" '$3 == u { print $6 }' "$rootfs/etc/passwd")"
  # shellcheck disable=SC2016
  unshare --mount --pid --fork --kill-child --propagation private -- /bin/bash -euc '
    r="$1"; u="$2"; tmpfs="$3"; binds="$4"; shift 4
    mount -t proc proc "$r/proc"
    mount -t tmpfs -o mode=1777,size=1g tmpfs "$r/dev/shm"
    [ "$tmpfs" != 1 ] || mount -t tmpfs -o mode=1777,size=2g tmpfs "$r/tmp"
    for b in $binds; do mkdir -p "$r/${b#*:}"; mount --bind "${b%%:*}" "$r/${b#*:}"; done
    exec chroot --userspec="$u" "$r" "$@"
  ' _ "$rootfs" "$userspec" "${CHROOT_TMPFS:-0}" "${CHROOT_BINDS:-}" \
    /usr/bin/env -i PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="${home:-/}" LANG=C.UTF-8 "${CHROOT_ENV[@]}" "$@"
}

# ensure_packages PACKAGE...: apt-get installs the Debian packages that are not installed yet.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    die "apt-get install ${missing[*]} failed"
}

# free_port: a TCP port nothing listens on at 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
