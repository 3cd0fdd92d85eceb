#!/bin/sh
# Builds a spec fuzz target with clang, libFuzzer and ASan/UBSan.
# Usage: tests/fuzz/build.sh BUILDDIR OUT [TARGET]
#   BUILDDIR: a configured build tree (for config.h); OUT: the binary;
#   TARGET: spec (the default, fuzz-spec.c) or roster (fuzz-roster.c).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
b=${1:?build dir}
out=${2:-fuzz-spec}
target=${3:-spec}
exec clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-D_GNU_SOURCE -include "$b/config.h" \
	-I"$src/common" -I"$src/spec" \
	$(pkg-config --cflags yaml-0.1 jansson) \
	"$src/tests/fuzz/fuzz-$target.c" "$src"/spec/spec-*.c \
	"$src"/common/common-*.c \
	$(pkg-config --libs yaml-0.1 jansson) -lm -o "$out"
