#!/bin/sh
# Set up, fill a fresh demo store (demo.sqlite) and show the portfolio and its flags.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
rm -f demo.sqlite demo.sqlite-wal demo.sqlite-shm
.venv/bin/ctrack --store demo.sqlite demo
.venv/bin/ctrack --store demo.sqlite list
.venv/bin/ctrack --store demo.sqlite flags
echo
echo "Try: .venv/bin/ctrack --store demo.sqlite evaluate   (or export CTRACK_STORE=demo.sqlite)"
