#!/usr/bin/env bash
# Fails when the public API, package switchyard.v1 (the module proto/buf.yaml
# describes), would break a client of the last release: `buf breaking` of
# the working tree's proto/ against the descriptor of that release,
# committed as proto/baseline/switchyard-v1.binpb. Additions (messages,
# fields, enum values, RPCs, files) pass; see docs/architecture.md.
#   --self-test               proves the check bites, on copies of proto/:
#                             breaking edits of switchyard.v1.Port must fail
#                             with the rule named, additions must pass
#   --update-baseline [REV]   at a release: rebuilds the baseline from the
#                             working tree's proto/ (or from commit REV's),
#                             then commit it with the release
# buf comes from scripts/install-deps.sh (npm, pinned in scripts/buf/).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/buf/env.sh
baseline=proto/baseline/switchyard-v1.binpb

# install-deps.sh always installs buf, so a missing one is a failure, not a
# reason to skip.
if [ "$("$sy_buf" --version 2>/dev/null)" != "$sy_buf_version" ]; then
  echo "check-proto: buf $sy_buf_version not found at $sy_buf; run scripts/install-deps.sh" >&2
  exit 1
fi

# Rules: FILE, buf's strictest category. It includes WIRE (the binary
# encoding) and WIRE_JSON (JSON names, which the saved state.json and
# protobuf-JSON clients use) and adds what generated code sees: names of
# fields, messages, enums, services and the file each lives in (a C++
# client includes "switchyard/v1/port.pb.h"; moving Port out of it breaks
# that build even though the bytes on the wire stay the same).
# msvs: one line per finding, with the rule's name to look up.
breaking() {
  "$sy_buf" breaking "$1" --against "$baseline" --error-format msvs
}

tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT

case "${1:-}" in
  "")
    if ! breaking proto; then
      echo "check-proto: this would break clients of switchyard.v1 as of $baseline (above)." >&2
      echo "  Add instead: new fields, messages, enum values, RPCs, files; mark old ones deprecated." >&2
      echo "  An intended break belongs in a new package, switchyard.v2." >&2
      exit 1
    fi
    echo "check-proto: switchyard.v1 compatible with $baseline (buf $sy_buf_version, rules FILE)"
    ;;

  --update-baseline)
    src=proto
    if [ -n "${2:-}" ]; then
      tmp="$(mktemp -d)"
      git archive "$2" proto | tar -x -C "$tmp"
      # The current buf.yaml says what the public API is, also for a commit
      # older than it.
      cp proto/buf.yaml "$tmp/proto/buf.yaml"
      src="$tmp/proto"
    fi
    # With imports (google/protobuf/timestamp.proto), so the image stands
    # alone; without source info, so comment edits do not change it.
    "$sy_buf" build "$src" --exclude-source-info -o "$baseline"
    echo "check-proto: wrote $baseline from ${2:-the working tree}; files:"
    "$sy_buf" ls-files "$baseline" | sed 's/^/  /'
    ;;

  --self-test)
    tmp="$(mktemp -d)"
    port=switchyard/v1/port.proto
    failed=0
    # edit NAME SED_SCRIPT FILE: a fresh copy of proto/ in $tmp/NAME with
    # SED_SCRIPT applied to FILE; fails when the edit matched nothing, so a
    # change to port.proto cannot turn a case into a silent no-op.
    edit() {
      rm -rf "${tmp:?}/$1"
      cp -r proto "$tmp/$1"
      sed -i "$2" "$tmp/$1/$3"
      if cmp -s "proto/$3" "$tmp/$1/$3"; then
        echo "check-proto: self-test case $1: the edit of $3 matched nothing; update the case" >&2
        exit 1
      fi
    }
    # expect_break NAME RULE: buf must refuse the copy and name RULE.
    expect_break() {
      local out
      if out="$(breaking "$tmp/$1" 2>&1)"; then
        echo "FAIL $1: buf accepted a breaking change" >&2
        failed=1
      elif ! grep -q " error $2 : " <<<"$out"; then
        echo "FAIL $1: buf refused, but not with $2:" >&2
        sed 's/^/    /' <<<"$out" >&2
        failed=1
      else
        echo "ok   $1: refused with $2"
        sed "s|$tmp/$1/||; s/^/       /" <<<"$out"
      fi
    }
    # Inside message Port { ... } only.
    in_port='/^message Port {/,/^}/'

    edit renumber_field "$in_port s/string network = 2;/string network = 20;/" $port
    expect_break renumber_field FIELD_NO_DELETE
    edit delete_field "$in_port {/uint32 mac_limit = 10;/d}" $port
    expect_break delete_field FIELD_NO_DELETE
    edit change_type "$in_port s/uint32 mac_limit = 10;/string mac_limit = 10;/" $port
    expect_break change_type FIELD_SAME_TYPE
    edit rename_field "$in_port s/string network = 2;/string network_name = 2;/" $port
    expect_break rename_field FIELD_SAME_NAME
    # Same package and bytes, another file: FILE's own rule, the reason to
    # use FILE rather than PACKAGE or WIRE_JSON.
    edit move_message '/^message VlanRange {/,/^}/d; s|^package switchyard.v1;|&\nimport "switchyard/v1/moved.proto";|' $port
    { printf 'syntax = "proto3";\n\npackage switchyard.v1;\n\n'
      sed -n '/^message VlanRange {/,/^}/p' proto/$port; } >"$tmp/move_message/switchyard/v1/moved.proto"
    expect_break move_message MESSAGE_NO_DELETE
    edit delete_rpc '/^service Ports {/,/^}/ {/rpc DeletePort(/d}' $port
    expect_break delete_rpc RPC_NO_DELETE

    # Additions, as later releases make them: a field, a message, an RPC
    # and a new file with its own service.
    edit additions "$in_port s/^}/  string self_test_added = 536870911;\n}/" $port
    sed -i '/^service Ports {/,/^}/ s/^}/  rpc SelfTestAdd(SelfTestAdded) returns (SelfTestAdded);\n}/' \
      "$tmp/additions/$port"
    printf '\nmessage SelfTestAdded {\n  string name = 1;\n}\n' >>"$tmp/additions/$port"
    cat >"$tmp/additions/switchyard/v1/self_test.proto" <<'EOF'
syntax = "proto3";

package switchyard.v1;

import "switchyard/v1/port.proto";

service SelfTest {
  rpc Get(SelfTestAdded) returns (Port);
}
EOF
    if out="$(breaking "$tmp/additions" 2>&1)"; then
      echo "ok   additions: accepted (a field and an RPC in port.proto, a message, a new file with a service)"
    else
      echo "FAIL additions: buf refused additions:" >&2
      sed 's/^/    /' <<<"$out" >&2
      failed=1
    fi

    if [ "$failed" -ne 0 ]; then
      exit 1
    fi
    echo "check-proto: self-test passed (buf $sy_buf_version)"
    ;;

  *)
    echo "usage: $0 [--self-test | --update-baseline [REV]]" >&2
    exit 2
    ;;
esac
