#!/bin/sh
# Builds the artifact host (Sources/KilnArtifactHost) with Embedded Swift: the runtime core
# (KilnABI + KilnRuntime + the C shim) and the host's line protocol in one small executable
# that needs only glibc. The one recipe `make artifact-host`, `kiln wast --target aarch64`
# and the tests use (BRIEF.md, "Runtime" and "Testing"; docs/runtime.md).
#
#   scripts/build-artifact-host.sh ARCH      ARCH is aarch64 or x86_64
#
# Writes .build/kiln-artifact-host-ARCH (relative to the package root) and prints its path.
# Rebuilds only when a source is newer than the executable. Exits 2, naming what is
# missing, when the cross tools are not installed.
set -eu
arch=${1:?usage: build-artifact-host.sh aarch64|x86_64}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/kiln-artifact-host-$arch"
src="$root/Sources"

case "$arch" in
aarch64)
    triple=aarch64-none-none-elf
    cc=aarch64-linux-gnu-gcc
    cflags="-Xcc -I/usr/aarch64-linux-gnu/include -Xcc -D__linux__ -Xcc -D__unix__ -Xcc -Wno-macro-redefined"
    [ -f /usr/aarch64-linux-gnu/include/stdio.h ] || { echo "missing libc6-dev-arm64-cross" >&2; exit 2; }
    ;;
x86_64)
    triple=x86_64-unknown-linux-gnu
    cc=clang
    cflags=""
    ;;
*) echo "unknown architecture $arch (aarch64 or x86_64)" >&2; exit 1 ;;
esac
command -v "$cc" >/dev/null || { echo "missing $cc" >&2; exit 2; }
swiftc=$(command -v swiftc) || { echo "missing swiftc" >&2; exit 2; }
toolchain=$(dirname "$(dirname "$(readlink -f "$swiftc")")")
tables="$toolchain/lib/swift/embedded/$triple/libswiftUnicodeDataTables.a"
[ -f "$tables" ] || { echo "missing the Embedded Swift libraries for $triple" >&2; exit 2; }

# One build at a time (tests start several `kiln wast` processes at once).
mkdir -p "$root/.build"
exec 9>"$root/.build/artifact-host-$arch.lock"
flock 9
sources="$src/KilnABI $src/KilnRuntime $src/CKilnRuntime $src/KilnArtifactHost $src/KilnWAST/ArtifactHostWire.swift $root/scripts/build-artifact-host.sh"
if [ -x "$out" ] && [ -z "$(find $sources -newer "$out" -type f | head -1)" ]; then
    echo "$out"
    exit 0
fi

work="$root/.build/artifact-host-$arch"
rm -rf "$work"
mkdir -p "$work"
printf 'module CKilnRuntime { header "%s"\n export * }\n' "$src/CKilnRuntime/include/CKilnRuntime.h" >"$work/module.modulemap"
swift_files() { find "$src/$1" -name '*.swift' | sort; }
common="-target $triple -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -package-name kiln
    -I $work -Xcc -fmodule-map-file=$work/module.modulemap $cflags"
cd "$work"
# shellcheck disable=SC2046,SC2086
swiftc $common -module-name KilnABI -emit-module -emit-module-path KilnABI.swiftmodule -c $(swift_files KilnABI) -o abi.o
# shellcheck disable=SC2046,SC2086
swiftc $common -module-name KilnRuntime -emit-module -emit-module-path KilnRuntime.swiftmodule -c $(swift_files KilnRuntime) -o runtime.o
# shellcheck disable=SC2046,SC2086
swiftc $common -module-name KilnArtifactHost -c $(swift_files KilnArtifactHost) "$src/KilnWAST/ArtifactHostWire.swift" -o host.o
"$cc" -c -O2 -w -I "$src/CKilnRuntime/include" "$src/CKilnRuntime/shim.c" -o shim.o
"$cc" host.o runtime.o abi.o shim.o "$tables" -lm -lpthread -o "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
