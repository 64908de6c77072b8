#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nm-wstun-auth-dialog's own window, under Xvfb: NetworkManager's details
# on stdin with -i and a token asked every time, the window comes up (a
# screenshot is saved in the build directory), a token typed into it (by
# xdotool, as a person would) is the answer on stdout, and GTK printed no
# warning or critical. (In a sanitized build, leaks are not looked for
# here: GTK's own would drown ours; test-auth-dialog.py checks the rest of
# the dialog with LeakSanitizer.)
set -u
build=$1
dialog=$build/nm-plugin/nm-wstun-auth-dialog
for tool in xvfb-run xdotool xwd; do
  command -v "$tool" >/dev/null || { echo "SKIP: needs $tool (xvfb, xdotool, x11-apps)"; exit 77; }
done
[ -x "$dialog" ] || { echo "SKIP: nm-wstun-auth-dialog is not built"; exit 77; }
ldd "$dialog" | grep -q libgtk-4 || { echo "SKIP: nm-wstun-auth-dialog is built without GTK 4"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
token=wst_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG

cat >"$dir/run.sh" <<RUN
#!/bin/bash
set -u
# the details, then QUIT once the answer is out (as NetworkManager's agents)
{
  printf 'DATA_KEY=url\nDATA_VAL=wss://relay.example.net\n\nDATA_KEY=token-flags\nDATA_VAL=2\n\nDONE\n\n'
  for _ in \$(seq 200); do [ -s "$dir/out" ] && break; sleep 0.05; done
  echo QUIT
} | G_DEBUG=fatal-criticals GSK_RENDERER=cairo ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0 "$dialog" -u U1 -n wstun-office \
    -s org.freedesktop.NetworkManager.wstun -i >"$dir/out" 2>"$dir/err" &
pid=\$!
win=\$(xdotool search --sync --onlyvisible --name 'Authenticate VPN' | head -n 1)
[ -n "\$win" ] || { echo "no window"; kill \$pid; exit 1; }
sleep 0.5 # the first frame; nothing to poll for
xwd -root -silent >"$dir/screen.xwd"
xdotool windowfocus --sync "\$win" type --delay 5 '$token'
xdotool key Return
wait \$pid
echo "dialog exited \$?"
RUN
chmod +x "$dir/run.sh"
timeout 60 xvfb-run -a -s "-screen 0 800x600x24" "$dir/run.sh" >"$dir/log" 2>&1
cat "$dir/log"
fail=0
grep -q "dialog exited 0" "$dir/log" || { echo "FAIL: the dialog did not exit 0"; fail=1; }
[ "$(cat "$dir/out")" = "$(printf 'token\n%s' "$token")" ] || { echo "FAIL: answered '$(cat "$dir/out")'"; fail=1; }
if grep -Eq 'WARNING|CRITICAL|Gtk-Message|g_log' "$dir/err"; then
  echo "FAIL: GTK said something:"
  cat "$dir/err"
  fail=1
fi
if [ -s "$dir/screen.xwd" ] && /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
  /usr/bin/python3 "$(dirname "$0")/xwd-to-png.py" "$dir/screen.xwd" "$build/auth-dialog.png" 0,0,460,180 &&
    echo "# screenshot: $build/auth-dialog.png"
fi
[ "$fail" = 0 ] && echo "PASS: the GTK window asks, the typed token is the answer, GTK is quiet"
exit "$fail"
