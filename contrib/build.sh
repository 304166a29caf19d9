#!/bin/sh
# Configures (warnings are errors) and builds cell in the source tree.
set -e
cd "$(dirname "$0")/.."
[ -x configure ] || ./autogen.sh >/dev/null
[ -f Makefile ] || ./configure --enable-werror -q
make -s -j"$(nproc)"
