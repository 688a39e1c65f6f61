#!/bin/sh
# Set up gazetype on a fresh machine: the system libraries Qt and speech need (Debian/Ubuntu),
# a virtual environment in .venv with the app, and with "test" also the test extra.
# Safe to run again: it only installs what is missing.
set -eu
cd "$(dirname "$0")/.."
mode="${1:-app}"

pkgs="libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core"
# A real window on X11 (Qt's xcb platform) and offline speech (pyttsx3 drives libespeak-ng;
# aplay plays it where neither paplay nor pw-play is installed).
pkgs="$pkgs libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0"
pkgs="$pkgs libxkbcommon-x11-0 espeak-ng alsa-utils"
# The tests type into a real receiving window under a virtual X server.
if [ "$mode" = test ]; then pkgs="$pkgs xvfb xauth"; fi
if command -v dpkg >/dev/null 2>&1; then
  missing=""
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    echo "gazetype setup: installing system packages:$missing" >&2
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "gazetype setup: please install these packages first:$missing" >&2
      exit 1
    fi
  fi
fi

PY="${PYTHON:-python3}"
# Editable, as links under build/ ("strict"): edits show at once, a new module needs this
# script again; unlike setuptools' default it adds no import hook to every Python start.
EDITABLE="--config-settings editable_mode=strict"
# setuptools announces a strict editable install with a boxed warning that reads like a
# failure; it is the intended mode, so that one message is silenced (nothing else is).
export PYTHONWARNINGS="ignore:Editable installation"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check $EDITABLE -e '.[test]'
  # Tobii's SDK has wheels for CPython 3.10 only: the adapter's tests run it in .venv310.
  for py in "${PY310:-}" python3.10 /root/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do
    if [ -n "$py" ] && "$py" -c "import sys; assert sys.version_info[:2] == (3, 10)" 2>/dev/null; then
      [ -x .venv310/bin/python ] || "$py" -m venv .venv310
      .venv310/bin/python -m pip install -q --disable-pip-version-check tobii-research pylsl pytest numpy scipy platformdirs pyxdf
      # gazetype itself without Qt: the adapter, the bridge and the headless core run here.
      .venv310/bin/python -m pip install -q --disable-pip-version-check --no-deps $EDITABLE -e .
      break
    fi
  done
else
  .venv/bin/python -m pip install -q --disable-pip-version-check $EDITABLE -e .
fi
echo "gazetype setup: ready (.venv)" >&2
