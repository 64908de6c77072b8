#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nm-wstun-auth-dialog, driven as NetworkManager's agents drive it:
the connection's details on stdin (DATA_KEY/DATA_VAL, SECRET_KEY/
SECRET_VAL, DONE), an answer on stdout, then QUIT.

- --external-ui-mode describes the token ([VPN Plugin UI] Version=2, a
  [token] group asking or not, [no-secret] for an open relay);
- the plain mode answers "token\\nVALUE\\n\\n\\n" with what it has, asks on
  the terminal (a pty) only with -i, refuses a token of the wrong syntax,
  and says so when there is no way to ask;
- with a keyring (gnome-keyring on a private session bus), a token kept by
  the user's agent is found there, and a token typed for such a
  connection is saved there (never for "ask every time").

usage: test-auth-dialog.py BUILDDIR"""

import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile

BUILD = sys.argv[1]
DIALOG = os.path.join(BUILD, "nm-plugin", "nm-wstun-auth-dialog")
SERVICE = "org.freedesktop.NetworkManager.wstun"
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


def details(data, secrets=None):
    text = ""
    for k, v in data.items():
        text += f"DATA_KEY={k}\nDATA_VAL={v}\n\n"
    for k, v in (secrets or {}).items():
        text += f"SECRET_KEY={k}\nSECRET_VAL={v}\n\n"
    return text + "DONE\n\n"


def run(args, data, secrets=None, env=None):
    """the dialog with no terminal: (status, stdout, stderr)"""
    p = subprocess.run([DIALOG, "-u", "U1", "-n", "office", "-s", SERVICE, *args],
                       input=details(data, secrets) + "QUIT\n", capture_output=True, text=True,
                       timeout=30, env=env, start_new_session=True)
    return p.returncode, p.stdout, p.stderr


def run_tty(args, data, typed, env=None):
    """the dialog with a terminal (a pty) on which @typed is answered:
    (status, stdout, what the terminal showed)"""
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    pid, master = pty.fork()
    if pid == 0:
        os.dup2(stdin_r, 0)
        os.dup2(stdout_w, 1)
        os.execve(DIALOG, [DIALOG, "-u", "U1", "-n", "office", "-s", SERVICE, *args],
                  env or os.environ)
    os.close(stdin_r)
    os.close(stdout_w)
    os.write(stdin_w, details(data).encode())
    shown = b""
    while b"Token:" not in shown:
        ready, _, _ = select.select([master], [], [], 10)
        if not ready:
            break
        try:
            shown += os.read(master, 1024)
        except OSError:
            break
    os.write(master, typed.encode() + b"\n")
    out = b""
    while True:
        ready, _, _ = select.select([stdout_r], [], [], 10)
        if not ready:
            break
        chunk = os.read(stdout_r, 1024)
        if not chunk:
            break
        out += chunk
        if out.endswith(b"\n\n\n") or out == b"\n\n" or out.endswith(b"\n\n\n\n"):
            break
    try:
        os.write(stdin_w, b"QUIT\n")
    except BrokenPipeError:  # it has given up already
        pass
    os.close(stdin_w)
    _, status = os.waitpid(pid, 0)
    try:
        while select.select([master], [], [], 0.2)[0]:
            shown += os.read(master, 1024)
    except OSError:
        pass
    os.close(master)
    os.close(stdout_r)
    return os.waitstatus_to_exitcode(status), out.decode(), shown.decode(errors="replace")


def groups(keyfile):
    """{group: {key: value}} of the dialog's key file"""
    result, group = {}, None
    for line in keyfile.splitlines():
        if line.startswith("["):
            group = line.strip("[]")
            result[group] = {}
        elif "=" in line and group is not None:
            k, v = line.split("=", 1)
            result[group][k] = v
    return result


URL = {"url": "wss://relay.example.net"}
TOKEN = "wst_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"


def test_external_ui():
    rc, out, err = run(["--external-ui-mode", "-i"], {**URL, "token-flags": "1"})
    g = groups(out)
    check(rc == 0 and g.get("VPN Plugin UI", {}).get("Version") == "2", "external UI: Version=2")
    check("office" in g.get("VPN Plugin UI", {}).get("Description", ""), "external UI: names the VPN")
    t = g.get("token", {})
    check(t.get("IsSecret") == "true" and t.get("ShouldAsk") == "true", "external UI: asks for the token")
    # a saved token is not asked for again, unless it was refused (-r)
    rc, out, err = run(["--external-ui-mode", "-i"], {**URL, "token-flags": "0"}, {"token": TOKEN})
    t = groups(out).get("token", {})
    check(t.get("ShouldAsk") == "false" and t.get("Value") == TOKEN, "external UI: a saved token is used")
    rc, out, err = run(["--external-ui-mode", "-i", "-r", "-t", "x-vpn-message:The relay said no"],
                       {**URL, "token-flags": "0"}, {"token": TOKEN})
    g = groups(out)
    check(g.get("token", {}).get("ShouldAsk") == "true", "external UI: -r asks again")
    check(g.get("VPN Plugin UI", {}).get("Description") == "The relay said no",
          "external UI: the service's message (hint) is the description")
    # "ask every time" asks even with a token
    rc, out, err = run(["--external-ui-mode", "-i"], {**URL, "token-flags": "2"}, {"token": TOKEN})
    check(groups(out).get("token", {}).get("ShouldAsk") == "true", "external UI: not saved: asks")
    # an open relay: nothing to ask
    rc, out, err = run(["--external-ui-mode", "-i"], {**URL, "token-flags": "4"})
    g = groups(out)
    check("no-secret" in g and "token" not in g, "external UI: not required: [no-secret]")


def test_plain():
    rc, out, err = run([], {**URL, "token-flags": "0"}, {"token": TOKEN})
    check(rc == 0 and out == f"token\n{TOKEN}\n\n\n", f"plain: answers the token ({out!r})")
    # without -i nobody is asked: what there is goes back, which is nothing
    rc, out, err = run([], {**URL, "token-flags": "1"})
    check(rc == 0 and out == "\n\n", f"plain, no -i: an empty answer ({out!r})")
    # with -i but no display and no terminal: it says so
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    rc, out, err = run(["-i"], {**URL, "token-flags": "1"}, env=env)
    check(rc == 1 and "no display and no terminal" in err, f"plain, -i, nowhere to ask: {err.strip()!r}")
    # not a wstun connection, or no details
    p = subprocess.run([DIALOG, "-u", "U1", "-n", "x", "-s", "org.freedesktop.NetworkManager.openvpn"],
                       input="DONE\n\n", capture_output=True, text=True, timeout=10)
    check(p.returncode == 1, "another service is refused")
    p = subprocess.run([DIALOG, "-u", "U1", "-n", "x", "-s", SERVICE], input=b"garbage\x00\xff" * 1000,
                       capture_output=True, timeout=10)
    check(p.returncode == 1, "garbage on stdin is refused")


def test_terminal():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    rc, out, shown = run_tty(["-i"], {**URL, "token-flags": "2"}, TOKEN, env)
    check(rc == 0 and out == f"token\n{TOKEN}\n\n\n", f"terminal: the typed token ({out!r})")
    check("office" in shown and TOKEN not in shown, f"terminal: asks for office's token, without echo ({shown!r})")
    rc, out, shown = run_tty(["-i"], {**URL, "token-flags": "2"}, "not a token", env)
    check(rc == 1 and out == "", "terminal: a token of the wrong syntax is refused")


def test_keyring():
    needed = [shutil.which(t) for t in ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")]
    if not all(needed):
        print("skip: keyring (needs dbus-run-session, gnome-keyring and secret-tool)")
        return
    home = tempfile.mkdtemp(prefix="wstun-keyring-")
    script = f"""
set -u
export HOME={home} XDG_DATA_HOME={home}/data XDG_RUNTIME_DIR={home}/run
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
printf test | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
# as NetworkManager's agents store it (their schema's name is an attribute)
printf %s {TOKEN}-k | secret-tool store --label=t xdg:schema org.freedesktop.NetworkManager.Connection \
  connection-uuid U1 setting-name vpn setting-key token
exec {sys.executable} {os.path.abspath(__file__)} --in-session {BUILD}
"""
    p = subprocess.run(["dbus-run-session", "--", "bash", "-c", script], capture_output=True,
                       text=True, timeout=60)
    sys.stdout.write(p.stdout)
    check(p.returncode == 0, "keyring: the checks in a session with gnome-keyring")
    shutil.rmtree(home, ignore_errors=True)


def in_session():
    """with gnome-keyring on the session bus: lookup and store"""
    rc, out, err = run([], {**URL, "token-flags": "1"})
    check(out == f"token\n{TOKEN}-k\n\n\n", f"keyring: an agent-owned token is found ({out!r})")
    rc, out, err = run([], {**URL, "token-flags": "0"})
    check(out == "\n\n", "keyring: a system-owned token is not looked up there")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # refused (-r): typed again, and saved for an agent-owned token
    rc, out, shown = run_tty(["-i", "-r"], {**URL, "token-flags": "1"}, TOKEN + "-new", env)
    check(out == f"token\n{TOKEN}-new\n\n\n", "keyring: the typed token is answered")
    saved = subprocess.run(["secret-tool", "lookup", "connection-uuid", "U1", "setting-name", "vpn",
                            "setting-key", "token"], capture_output=True, text=True).stdout
    check(saved == TOKEN + "-new", f"keyring: ... and saved ({saved!r}; the terminal showed {shown!r})")
    # "ask every time" is never saved
    rc, out, shown = run_tty(["-i"], {**URL, "token-flags": "3"}, TOKEN + "-once", env)
    saved = subprocess.run(["secret-tool", "lookup", "connection-uuid", "U1", "setting-name", "vpn",
                            "setting-key", "token"], capture_output=True, text=True).stdout
    check(out == f"token\n{TOKEN}-once\n\n\n" and saved == TOKEN + "-new",
          "keyring: a token asked every time is not saved")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if sys.argv[1] == "--in-session":
        BUILD = sys.argv[2]
        DIALOG = os.path.join(BUILD, "nm-plugin", "nm-wstun-auth-dialog")
        in_session()
    if not os.access(DIALOG, os.X_OK):
        print("SKIP: nm-wstun-auth-dialog is not built")
        sys.exit(77)
    test_external_ui()
    test_plain()
    test_terminal()
    test_keyring()
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)
