#pragma once
// Where the release of `check`, `upgrade` and `rehearse` comes from:
// `--release FILE` (optionally checked with `--sha256sums FILE`), or
// `--latest` / `--version X.Y.Z`: found in CiviCRM's release feed, downloaded
// into <state>/downloads/ (0700, files 0600) and verified there — SHA-256
// against civicrm-X.Y.Z.SHA256SUMS, whose OpenPGP signature must verify when
// a trusted key is configured — all before the first phase, so the
// maintenance window never waits for the network.  Docs: docs/download.md.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "civiup/check/preflight.hpp"

namespace civiup {

struct ReleaseSourceOptions {
  bool latest = false;         // --latest: the newest stable release
  std::string version;         // --version X.Y.Z
  bool matching_l10n = false;  // --l10n without a file: the release's l10n tarball too
  std::string feed;            // --feed BASE: a mirror or test server (release_feed.hpp)
  std::string sums_url;        // --sums-url: where civicrm-X.Y.Z.SHA256SUMS is
  std::string keyring;         // --keyring FILE; default /etc/civiup/trusted-keys.gpg if present
  std::string ca_file;         // --ca-file FILE (else CURL_CA_BUNDLE, else the system store)
  std::string sha256sums;      // --sha256sums FILE: checks a local --release

  bool downloads() const { return latest || !version.empty(); }
};

// The options above, for a command's parser; and reading them back.
void add_release_source_options(cxxopts::Options& options);
ReleaseSourceOptions release_source_options_from(const cxxopts::ParseResult& parsed);

// A bare `--l10n` (last, or followed by another option) becomes `--l10n=`:
// cxxopts cannot give an option both a separate value and none.
std::vector<std::string> expand_bare_l10n(std::vector<std::string> args);

struct ResolvedRelease {
  std::string feed;  // the feed URL used (empty for a local file)
  std::string version;
  bool downloaded = false;  // false: a local --release FILE
  bool reused = false;      // a finished, verified download from an earlier run
  std::filesystem::path release_file;
  std::optional<std::filesystem::path> l10n_file;
  std::string release_url;
  std::string sha256;
  std::string sums;       // where the SHA256SUMS came from (URL or file)
  std::string signature;  // "verified: key <fingerprint>" or "not verified: <why>"
};

// Resolves the release the options ask for and puts its file(s) into
// `options.release_file` / `l10n_file`.  With --latest or --version: the feed
// lookup, the download and every check; with --sha256sums: the checks of a
// local file.  nullopt when neither is asked (a plain --release FILE).
// Throws "<object>: <cause>" (exit 2) on any refusal; a refused download is
// deleted, only a resumable .part of a broken transfer stays.
std::optional<ResolvedRelease> resolve_release_source(const ReleaseSourceOptions& source, PreflightOptions& options);

nlohmann::json release_source_json(const ResolvedRelease& release);
std::string release_source_text(const ResolvedRelease& release);

}  // namespace civiup
