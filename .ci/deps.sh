# SPDX-License-Identifier: GPL-2.0-or-later
# The one list of Debian 12 packages wstun needs to build, test and demo.
# Sourced by demo.sh, check.sh and .ci/run.

WSTUN_PACKAGES=(
  # build
  meson ninja-build pkg-config gcc gettext
  # appstreamcli validates the NetworkManager plugin's metainfo; its
  # gettext rules translate it
  appstream
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libnl-3-dev libnl-route-3-dev
  libpolkit-gobject-1-dev libdbus-1-dev systemd
  glib-networking
  # polkitd: the gettext rules that build the polkit action (and polkit itself)
  polkitd
  # D-Bus service tests: a private bus, busctl (systemd), gdbus; TLS test certificates
  dbus-daemon libglib2.0-bin openssl
  # bash-completion: its pkg-config file says where wstunctl's completion goes
  bash-completion
  # tests, demo and benchmark
  iproute2 iputils-ping iperf3 procps python3 python3-websockets
  # the relay cluster: its etcd client is tested against a real etcd
  etcd-server
  # D-Bus tests: a mock polkitd; strace counts wstund's wakeups (tests/bench)
  python3-dbusmock python3-gi strace
  # the test "translations" loads the libnm plugin into Python, as nmcli
  # and GNOME Settings load it
  gir1.2-nm-1.0
  # fuzzing (tests/fuzz): clang and its libFuzzer runtime
  clang libclang-rt-14-dev
  # NetworkManager tests (tests/nm): the real daemon and nmcli in a namespace
  # (nsenter, unshare: util-linux). Without systemd as PID 1 its postinst
  # starts nothing; with systemd it starts NetworkManager.service, which the
  # tests leave alone (their NetworkManager has its own namespaces and bus).
  network-manager util-linux
  # the NetworkManager plugin (nm-plugin/): libnm's headers and its
  # vpnservicedir; the auth dialog's keyring (libsecret) and its GTK 4 window
  libnm-dev libsecret-1-dev
  # its editors: GTK3 and libnma (nm-connection-editor), GTK4 and
  # libnma-gtk4 (GNOME Settings); gtk4-builder-tool (libgtk-4-bin) derives
  # the GTK4 .ui from the GTK3 one
  libnma-dev libnma-gtk4-dev libgtk-3-dev libgtk-4-dev libgtk-4-bin
  # the GUI tests (tests/gui): a real X server, the SVG loader that draws
  # the icons (GTK only recommends it), xdotool typing into the auth
  # dialog, xwd and PIL for its screenshot
  xvfb xauth librsvg2-common xdotool x11-apps python3-pil
  # the auth dialog's keyring test: gnome-keyring on a private session bus
  gnome-keyring libsecret-tools
  # the packaging test (tests/packaging, WSTUN_PACKAGING=1): Debian
  # packages built, checked and installed
  debhelper dpkg-dev lintian
)

wstun_install_deps() {
  local missing=() p
  for p in "${WSTUN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${missing[*]} (run as root to install them)" >&2
    return 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
}
