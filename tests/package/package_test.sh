#!/usr/bin/env bash
# The Debian package's test (tests/package/CMakeLists.txt says what each step checks).
#   package_test.sh build   DEB_DIR DEV_CIVIUP   scripts/package, lintian, contents, Depends, binary
#   package_test.sh install DEB_DIR TESTBED      dpkg -i, use, upgrade a site, dpkg -r
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
step=$1 deb_dir=$2 tool=$3

fail() { echo "FAILED: $*" >&2; exit 1; }
not_run() { echo "[ not run  ] $*"; exit 77; }

the_deb() {
  local debs=("$deb_dir"/civiup_*_amd64.deb)
  [[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "$deb_dir: expected one civiup_<version>_amd64.deb, found ${debs[*]}"
  echo "${debs[0]}"
}

build() {
  local dev_civiup=$1
  for t in lintian dpkg-shlibdeps dpkg-buildflags file; do command -v "$t" >/dev/null || fail "$t: not found (scripts/setup installs it)"; done
  rm -rf "$deb_dir"
  local start=$SECONDS
  "$source_dir/scripts/package" --out "$deb_dir" || fail "scripts/package failed"
  local deb version
  deb=$(the_deb)
  version=$(dpkg-deb -f "$deb" Version)
  [[ $(basename "$deb") == "civiup_${version}_amd64.deb" ]] || fail "$deb: not named civiup_${version}_amd64.deb"
  echo "built $(basename "$deb") in $((SECONDS - start)) s"

  # lintian: no errors (its exit code); warnings are listed.
  start=$SECONDS
  local report lintian_status=0
  report=$(lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1) || lintian_status=$?
  grep -v 'running with root privileges' <<<"$report" || true
  ((lintian_status == 0)) || fail "lintian reports errors on $deb (above)"
  echo "lintian: no errors ($((SECONDS - start)) s)"

  # Contents: the expected files, root-owned, under /usr, nothing of a build tree.
  local contents
  contents=$(dpkg-deb --contents "$deb")
  for f in usr/bin/civiup usr/share/man/man1/civiup.1.gz usr/share/bash-completion/completions/civiup \
           usr/share/doc/civiup/copyright usr/share/doc/civiup/changelog.gz; do
    grep -q " \./$f\$" <<<"$contents" || fail "$deb lacks /$f:"$'\n'"$contents"
  done
  if grep -Ev ' \./(usr/(bin|lib/civiup|share/(civiup|man|doc/civiup|bash-completion))?)?' <<<"$contents" | grep -q .; then
    fail "$deb has files outside the expected directories:"$'\n'"$contents"
  fi
  if grep -Ei 'CMakeFiles|CMakeCache|_CPack|build-package|\.(o|a|cmake|cpp|hpp|ninja)$|/tests?/|testbed' <<<"$contents"; then
    fail "$deb contains files of the build tree (above)"
  fi
  if awk '{print $2}' <<<"$contents" | grep -v '^root/root$'; then fail "$deb has files not owned by root/root"; fi

  # Depends: from dpkg-shlibdeps, libraries only.
  local depends
  depends=$(dpkg-deb -f "$deb" Depends)
  for lib in libgit2 libarchive libmysqlcppconn libc6; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib (shlibdeps?): $depends"
  done
  local name
  for name in $(tr ',|' '\n' <<<"$depends" | awk '{print $1}'); do
    case "$name" in
      mariadb-server* | mysql-server* | cmake* | ninja-build | gcc | gcc-[0-9]* | g++* | cpp | clang* | libgtest* | \
        libgmock* | googletest | mydumper | hyperfine | lintian | ansible* | *-dev)
        fail "Depends names the build, server or test package $name: $depends" ;;
    esac
  done
  echo "Depends: $depends"

  # The binary: stripped, and without the fault points the test build has.
  local unpacked
  unpacked=$(mktemp -d)
  dpkg-deb -x "$deb" "$unpacked"
  file "$unpacked/usr/bin/civiup" | grep -q ', stripped' || fail "/usr/bin/civiup is not stripped: $(file "$unpacked/usr/bin/civiup")"
  grep -q 'injected fault' "$dev_civiup" || fail "$dev_civiup has no fault points: the check below would prove nothing"
  if grep -q 'injected fault' "$unpacked/usr/bin/civiup"; then fail "the packaged civiup has fault injection compiled in"; fi
  if grep -q "$source_dir" "$unpacked/usr/bin/civiup"; then fail "the packaged civiup holds the build path $source_dir"; fi
  rm -rf "$unpacked"
  echo "PASSED"
}

install() {
  local testbed=$1 deb
  deb=$(the_deb)
  [[ $(id -u) -eq 0 ]] || not_run "dpkg -i needs root (CI runs as root)"
  if dpkg-query -W -f '${Status}' civiup 2>/dev/null | grep -q 'installed'; then
    not_run "a civiup package is installed here; the test would replace it (dpkg -r civiup first)"
  fi
  [[ ! -e /usr/bin/civiup ]] || not_run "/usr/bin/civiup exists and is not the package's; the test would replace it"
  for v in CIVIUP_TEST_MYSQL_HOST CIVIUP_TEST_MYSQL_PORT CIVIUP_TEST_MYSQL_USER; do
    [[ -n ${!v:-} ]] || fail "$v is not set: run this test through scripts/test"
  done

  # Global: the EXIT trap below reads it after this function has returned.
  work=$(mktemp -d "${CIVIUP_TEST_TMP:-/tmp}/civiup-package.XXXXXX")
  local files
  files=$(dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ {print substr($6, 2)}')
  cleanup() {
    local status=$?
    if dpkg-query -W -f '${Status}' civiup 2>/dev/null | grep -q 'installed'; then dpkg_locked -r civiup || true; fi
    if ((status == 0)); then
      rm -rf "$work"
      mariadb_cmd -e 'DROP DATABASE IF EXISTS pkgtest_backdrop; DROP DATABASE IF EXISTS pkgtest_civicrm' || true
    else
      echo "kept $work and the databases pkgtest_*"
    fi
  }
  trap cleanup EXIT

  dpkg_locked -i "$deb" || fail "dpkg -i $deb failed"
  [[ $(command -v civiup) == /usr/bin/civiup ]] || fail "civiup on PATH is $(command -v civiup), not /usr/bin/civiup"
  local version
  version=$(civiup --version)
  [[ $version == "civiup $(dpkg-deb -f "$deb" Version)" ]] || fail "civiup --version says '$version'"
  [[ $(man -w civiup) == /usr/share/man/man1/civiup.1.gz ]] || fail "man -w civiup: $(man -w civiup 2>&1)"
  man -P cat civiup 2>/dev/null | grep -q 'civiup' || fail "man civiup does not render"
  echo "installed: $version, man page $(man -w civiup)"

  # An upgrade of a generated site with the installed binary; the fault the
  # test build would raise after the swap is ignored by the package's build.
  local site=$work/www/site releases=$work/releases
  "$testbed" site --root "$site" --version 5.74.0 --backdrop-db pkgtest_backdrop --civicrm-db pkgtest_civicrm >/dev/null
  "$testbed" release --out "$releases" --version 5.75.0 >/dev/null
  local out code=0
  out=$(CIVIUP_FAULT=swap-code:after civiup --json upgrade --root "$site" \
          --release "$releases/civicrm-5.75.0-backdrop.tar.gz" --db-upgrade "$testbed upgrade-db --no-interaction" --yes \
          2>"$work/upgrade.err") || code=$?
  [[ $code -eq 0 ]] || fail "the installed civiup's upgrade exited $code: $out $(cat "$work/upgrade.err")"
  local status
  status=$(civiup --json status --root "$site")
  if ! grep -q '"code_version":"5.75.0"' <<<"$status" || ! grep -q '"db_version":"5.75.0"' <<<"$status"; then
    fail "after the upgrade: $status"
  fi
  echo "upgraded a generated site 5.74.0 -> 5.75.0 with /usr/bin/civiup (CIVIUP_FAULT ignored)"

  dpkg_locked -r civiup || fail "dpkg -r civiup failed"
  ! dpkg-query -W -f '${Status}' civiup 2>/dev/null | grep -q 'ok installed' || fail "civiup is still installed"
  local left=()
  for f in $files; do [[ ! -e $f ]] || left+=("$f"); done
  ((${#left[@]} == 0)) || fail "dpkg -r left ${left[*]}"
  [[ ! -e /usr/share/doc/civiup ]] || fail "dpkg -r left /usr/share/doc/civiup"
  echo "removed: no file of the package is left"
  echo "PASSED"
}

# dpkg, waiting up to a minute for the dpkg lock (apt may be running on a shared machine).
dpkg_locked() {
  local _
  for _ in $(seq 1 60); do
    if dpkg "$@" >"$work/dpkg.out" 2>&1; then return 0; fi
    grep -q 'lock' "$work/dpkg.out" || { cat "$work/dpkg.out" >&2; return 1; }
    sleep 1
  done
  cat "$work/dpkg.out" >&2
  return 1
}

mariadb_cmd() {
  MYSQL_PWD=${CIVIUP_TEST_MYSQL_PASSWORD:-} mariadb --protocol=tcp -h "$CIVIUP_TEST_MYSQL_HOST" \
    -P "$CIVIUP_TEST_MYSQL_PORT" -u "$CIVIUP_TEST_MYSQL_USER" "$@"
}

case "$step" in
  build) build "$tool" ;;
  install) install "$tool" ;;
  *) fail "usage: package_test.sh build|install DEB_DIR TOOL" ;;
esac
