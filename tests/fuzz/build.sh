#!/bin/sh
# Builds the spec fuzz target with clang, libFuzzer and ASan/UBSan.
# Usage: tests/fuzz/build.sh BUILDDIR OUT
#   BUILDDIR: a configured build tree (for config.h); OUT: the binary.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
b=${1:?build dir}
out=${2:-fuzz-spec}
exec clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-D_GNU_SOURCE -include "$b/config.h" \
	-I"$src/common" -I"$src/spec" \
	$(pkg-config --cflags yaml-0.1 jansson) \
	"$src/tests/fuzz/fuzz-spec.c" "$src"/spec/spec-*.c \
	"$src"/common/common-*.c \
	$(pkg-config --libs yaml-0.1 jansson) -lm -o "$out"
