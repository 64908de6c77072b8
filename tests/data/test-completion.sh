#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# data/wstunctl.bash-completion: commands, options per command, files for
# --ca-file, and connections (path, number, interface, from wstunctl list:
# here a stub that prints a fixed list) for disconnect and status; with
# bash-completion's helpers loaded and without them. No terminal: each
# case runs _wstunctl in a bash -c with COMP_WORDS and COMP_CWORD set.
#
# usage: test-completion.sh DATA/wstunctl.bash-completion
set -u

COMPLETION=$1
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0 passes=0

# a wstunctl that lists two connections and notes its arguments
cat >"$dir/wstunctl" <<'STUB'
#!/bin/bash
echo "$*" >>"${0%/*}/args"
cat <<'LIST'
CONNECTION               STATE          INTERFACE        ADDRESS                           RELAY
/org/wstun/connection/1  connected      wstun0           10.99.0.2/24                      ws://198.18.0.1:80
/org/wstun/connection/12 failed         -                -                                 ws://198.18.0.1:81
LIST
STUB
chmod +x "$dir/wstunctl"
mkdir "$dir/certs"
touch "$dir/certs/office-ca.pem" "$dir/certs/other.pem"

# completions MODE WORD...: what _wstunctl offers for the last WORD, one a
# line, sorted (MODE full: with bash-completion loaded first)
completions() {
  local mode=$1
  shift
  LINE=${LINE:-} bash --norc --noprofile -c '
    mode=$1 completion=$2
    shift 2
    if [ "$mode" = full ]; then source "'"$BASH_COMPLETION"'" || exit 1; fi
    source "$completion" || exit 1
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE=${LINE:-$*}
    COMP_POINT=${#COMP_LINE}
    _wstunctl
    printf "%s\n" "${COMPREPLY[@]}"' bash "$mode" "$COMPLETION" "$@" | sed '/^$/d' | sort
}

# check MODE "WORDS" EXPECTED...: the completions are exactly EXPECTED
check() {
  local mode=$1 words=$2 got want
  shift 2
  read -ra argv <<<"$words"
  [[ $words == *" " ]] && argv+=("")
  got=$(completions "$mode" "${argv[@]}" | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
  if [ "$got" = "$want" ]; then
    echo "ok: [$mode] '$words' -> $got"
    passes=$((passes + 1))
  else
    echo "FAIL: [$mode] '$words' -> '$got', not '$want'"
    failures=$((failures + 1))
  fi
}

modes=(plain)
if [ -f "$BASH_COMPLETION" ]; then
  modes+=(full)
else
  echo "# $BASH_COMPLETION is missing (package bash-completion): testing without it"
fi
ctl=$dir/wstunctl
for m in "${modes[@]}"; do
  check "$m" "wstunctl di" disconnect
  check "$m" "wstunctl " connect disconnect status list monitor help
  check "$m" "wstunctl --json s" status
  check "$m" "wstunctl --ver" --version
  check "$m" "wstunctl disconnect --" --all --json --session --help
  check "$m" "wstunctl connect --ca" --ca-file
  check "$m" "wstunctl connect --no-" --no-manage-ip --no-reconnect --no-wait
  check "$m" "wstunctl connect --timeout " # a number of the user's own
  check "$m" "wstunctl connect --ca-file $dir/certs/off" "$dir/certs/office-ca.pem"
  check "$m" "wstunctl connect ws://relay --token-file $dir/certs/oth" "$dir/certs/other.pem"
  # --ca-file=FI: bash makes three words of it, "--ca-file" "=" "FI"
  LINE="wstunctl connect --ca-file=$dir/certs/off" check "$m" \
    "wstunctl connect --ca-file = $dir/certs/off" "$dir/certs/office-ca.pem"
  check "$m" "wstunctl help mon" monitor
  check "$m" "wstunctl monitor --" --json --session --help
  check "$m" "$ctl status " /org/wstun/connection/1 1 wstun0 /org/wstun/connection/12 12
  check "$m" "$ctl disconnect 1" 1 12
  check "$m" "$ctl disconnect wst" wstun0
  rm -f "$dir/args"
  check "$m" "$ctl --session status /org/wstun/connection/1" /org/wstun/connection/1 \
    /org/wstun/connection/12
  if [ "$(cat "$dir/args")" = "--session list" ]; then
    passes=$((passes + 1))
  else
    echo "FAIL: [$m] the connections were not listed on the session bus: $(cat "$dir/args")"
    failures=$((failures + 1))
  fi
done
echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
