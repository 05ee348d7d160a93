#!/bin/sh
# Builds release archives of bbhost-plugin-patchdir:
#   dist/bbhost-plugin-patchdir_vVERSION_OS_ARCH.zip  (the binary inside)
#   dist/SHA256SUMS                                   (one line per archive)
# Usage: ./package.sh VERSION [OS/ARCH ...]   (default: the host's platform)
# The binary uses cgo only through the SDK's dependencies if at all;
# cross-compiling is plain GOOS/GOARCH.
set -eu
cd "$(dirname "$0")"
version=${1:?usage: ./package.sh VERSION [OS/ARCH ...]}
shift
platforms=${*:-$(go env GOOS)/$(go env GOARCH)}
mkdir -p dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in $platforms; do
	os=${p%/*}
	arch=${p#*/}
	name=bbhost-plugin-patchdir_v${version}_${os}_${arch}
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
		-ldflags "-s -w -X main.version=$version" -o "$work/bbhost-plugin-patchdir" .
	rm -f "dist/$name.zip"
	(cd "$work" && zip -q -X "$OLDPWD/dist/$name.zip" bbhost-plugin-patchdir)
	rm -f "$work/bbhost-plugin-patchdir"
	echo "built dist/$name.zip"
done
(cd dist && sha256sum -- *.zip > SHA256SUMS)
echo "wrote dist/SHA256SUMS"
