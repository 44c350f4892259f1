# Sourced by scripts/install-deps.sh and scripts/check-proto.sh: which buf
# (the version pinned in package.json beside this file) and where it lives.
# A per-user cache outside the tree, so that clean builds, worktrees and
# clones share one install and need no network once it is there;
# SY_BUF_DIR puts it elsewhere.
sy_buf_pkg_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sy_buf_version="$(sed -n 's|.*"@bufbuild/buf": "\([^"]*\)".*|\1|p' "$sy_buf_pkg_dir/package.json")"
sy_buf_dir="${SY_BUF_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/buf-$sy_buf_version}"
sy_buf="$sy_buf_dir/node_modules/.bin/buf"
