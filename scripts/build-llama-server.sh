#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the source node-llama-cpp ships (its git bundle), so the
# interop tests run against the same llama.cpp release the in-process engine uses, offline.
#
# Idempotent: exits at once when the binary exists. Output: ~/.cache/gapfill/llama-server/<commit>/llama-server
# (XDG_CACHE_HOME is honoured; GAPFILL_LLAMA_SERVER_DIR moves it), outside the checkout so every clone
# on a machine shares one build, keyed by the bundled llama.cpp commit so a node-llama-cpp upgrade
# builds afresh. Prints the binary's path last.
# Takes ~25 minutes on two busy cores; CI runs it before the tests.
# test/support/llama-server.ts finds the binary by the same rule.
#
# Flags (measured, see FIELD-NOTES 2026-11-29): this release has no LLAMA_CURL; without the
# OpenSSL/UI flags its configure step tries to download, which fails offline.
set -euo pipefail
cd "$(dirname "$0")/.."

BUNDLE="node_modules/node-llama-cpp/llama/gitRelease.bundle"
if [ ! -f "$BUNDLE" ]; then
  echo "missing $BUNDLE: run npm ci first" >&2
  exit 1
fi
COMMIT="$(git bundle list-heads "$BUNDLE" | awk 'NR==1 { print substr($1, 1, 12) }')"
CACHE_DIR="${GAPFILL_LLAMA_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gapfill/llama-server}/$COMMIT"
SRC="$CACHE_DIR/src"
BIN="$CACHE_DIR/llama-server"
JOBS="${GAPFILL_BUILD_JOBS:-2}"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
for tool in git cmake c++; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing $tool: install it (apt-get install git cmake g++)" >&2; exit 1; }
done

mkdir -p "$CACHE_DIR"
if [ ! -d "$SRC/.git" ]; then
  # A half-finished clone from an interrupted run is not resumable: start it again.
  rm -rf "$SRC"
  git clone --quiet "$BUNDLE" "$SRC"
fi

cmake -S "$SRC" -B "$SRC/build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DBUILD_SHARED_LIBS=OFF
# Static libraries: the one binary is copied out of the build tree and runs from anywhere.
cmake --build "$SRC/build" --target llama-server -j"$JOBS"

cp "$SRC/build/bin/llama-server" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$BIN"
