#!/bin/sh
# Set up, fill a fresh demo store (demo.sqlite), then open the dashboard on it; where there is
# no terminal (CI, a pipe), print the portfolio and its flags instead.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
rm -f demo.sqlite demo.sqlite-wal demo.sqlite-shm
.venv/bin/ctrack --store demo.sqlite demo
if [ -t 0 ] && [ -t 1 ]; then
    .venv/bin/ctrack --store demo.sqlite dashboard
else
    .venv/bin/ctrack --store demo.sqlite list
    .venv/bin/ctrack --store demo.sqlite flags
fi
echo
echo "Try: .venv/bin/ctrack --store demo.sqlite dashboard   (or evaluate, deadlines, flags;"
echo "     export CTRACK_STORE=demo.sqlite to make it the default store)"
