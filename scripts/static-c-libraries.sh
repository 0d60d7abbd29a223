# Sourced by the release builds (scripts/release.sh, the install test's previous build):
#   source scripts/static-c-libraries.sh DIR   then   swift build ... (with PKG_CONFIG_PATH exported)
# The linker looks in each -L directory for lib<name>.so, then lib<name>.a, before the next one: a
# directory that holds only the static archives, searched before the system's, makes -lfcgi and
# -lsqlite3 static. SwiftPM puts the -L of the C libraries' pkg-config files first, so the release
# build reads its own .pc files from DIR: libfcgi and SQLite from that directory, libcrypto,
# libcurl and libpq from the system (shared: their security updates come with Debian's packages,
# and the .deb depends on libpq5 through dpkg-shlibdeps), none of them naming the system directory.
static_work=${1:?static-c-libraries.sh needs a directory}
mkdir -p "$static_work/static-libs" "$static_work/pkgconfig"
static_multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
for static_library in libfcgi.a libsqlite3.a; do
    ln -sf "/usr/lib/$static_multiarch/$static_library" "$static_work/static-libs/$static_library"
done
write_release_pc() {  # name, Libs[, Cflags]
    printf 'Name: %s\nDescription: %s for the release build\nVersion: 0\nLibs: %s\nCflags: %s\n' "$1" "$1" "$2" "${3:-}" > "$static_work/pkgconfig/$1.pc"
}
write_release_pc fcgi "-L$static_work/static-libs -lfcgi"
write_release_pc sqlite3 "-L$static_work/static-libs -lsqlite3"
write_release_pc libcrypto "-lcrypto"
write_release_pc libcurl "-lcurl"
write_release_pc libpq "-lpq" "$(pkg-config --cflags libpq)"
export PKG_CONFIG_PATH="$static_work/pkgconfig"
