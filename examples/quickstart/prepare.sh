#!/usr/bin/env bash
# Creates the quickstart's small git repository under its base directory the
# first time (`make run` calls this). The builder checks it out with the git
# step; commit to it to see new builds' got_revision change.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$here/basedir/repo"
if [ -d "$repo/.git" ]; then
  exit 0
fi
mkdir -p "$repo"
cd "$repo"
git init -q -b main
git config user.email "quickstart@bbhost.invalid"
git config user.name "bbhost quickstart"
cat > hello.sh <<'SH'
#!/bin/sh
echo "hello from $(git rev-parse --short HEAD 2>/dev/null || echo a checkout)"
SH
chmod +x hello.sh
cat > test.sh <<'SH'
#!/bin/sh
set -e
for i in 1 2 3; do echo "test $i ok"; done
SH
chmod +x test.sh
git add hello.sh test.sh
git commit -q -m "Quickstart repository"
echo "created quickstart repository $repo"
