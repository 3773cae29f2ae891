// --latest / --version: feed lookup, download into <state>/downloads/, and
// the checks, in the order that refuses early and cheaply: the version
// against the installed one, the sums file and its signature, the entry for
// the tarball, then the download itself, its SHA-256 and its layout.
#include "civiup/cli/release_source.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/release/release.hpp"
#include "civiup/release/release_download.hpp"
#include "civiup/release/release_feed.hpp"
#include "civiup/release/release_verify.hpp"
#include "civiup/site/site.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {
namespace fs = std::filesystem;
namespace {

constexpr const char* kNoKey =
    "not verified: no trusted key configured (--keyring FILE or /etc/civiup/trusted-keys.gpg)";

void remove_quietly(const fs::path& file) {
  std::error_code ignored;
  fs::remove(file, ignored);
}

// <state>/downloads, 0700 (the state directory too when it is new), locked
// against a second civiup downloading into it at the same time.
class DownloadsDir {
 public:
  explicit DownloadsDir(const fs::path& state_dir) : path_(state_dir / "downloads") {
    for (const fs::path& dir : {state_dir, path_})
      if (!fs::exists(dir)) make_private_directory(dir);
    fd_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_) fail("{}: cannot open: {}", path_.string(), std::strerror(errno));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0)
      fail("{}: another civiup is downloading into it; wait for it", path_.string());
  }

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

  // Earlier releases' files go once this one is verified: only the newest is worth keeping.
  void keep_only(const std::vector<std::string>& names) const {
    for (const fs::directory_entry& entry : fs::directory_iterator(path_)) {
      std::string name = entry.path().filename().string();
      bool keep = false;
      for (const std::string& kept : names) keep = keep || name == kept || name == kept + ".part";
      if (!keep && name.starts_with("civicrm-")) remove_quietly(entry.path());
    }
  }

 private:
  fs::path path_;
  UniqueFd fd_;
};

// A document written 0600 into downloads/.
void save(const fs::path& file, const std::string& content) { write_file_durably(file, content, 0600); }

// The sums file of `version` (kept from an earlier run, or fetched from the
// first candidate URL that has it), signature-checked when a key is trusted.
struct Sums {
  std::map<std::string, std::string> entries;
  std::string origin;
  std::string signature;
};

Sums obtain_sums(const DownloadsDir& downloads, const std::string& version, const std::vector<std::string>& candidates,
                 const fs::path& keyring, const DownloadSettings& settings) {
  std::string name = fmt::format("civicrm-{}.SHA256SUMS", version);
  fs::path file = downloads / name, signature = downloads / (name + ".asc");
  Sums sums;
  std::string text;
  if (fs::exists(file)) {
    text = read_file(file);
    sums.origin = file.string();
  } else {
    for (const std::string& url : candidates) {
      if (std::optional<std::string> body = fetch_document(url, settings, true)) {
        text = *body;
        sums.origin = url;
        break;
      }
    }
    if (sums.origin.empty()) {
      fail("{}: not found at {}: refusing a release that cannot be verified", name, fmt::join(candidates, " nor "));
    }
    save(file, text);
  }
  auto refuse = [&](const std::string& message) {
    remove_quietly(file);
    remove_quietly(signature);
    fail("{}", message);
  };
  if (keyring.empty()) {
    sums.signature = kNoKey;
  } else {
    if (!fs::exists(signature)) {
      std::string url = sums.origin + ".asc";
      std::optional<std::string> body;
      try {
        if (is_https_url(url)) body = fetch_document(url, settings, true);
      } catch (const std::exception& e) {
        refuse(e.what());
      }
      if (!body)
        refuse(fmt::format("{}: not found: a trusted key is configured ({}), so the signature is required", url,
                           keyring.string()));
      save(signature, *body);
    }
    try {
      sums.signature = "verified: key " + verify_detached_signature(keyring, signature, file);
    } catch (const std::exception& e) {
      refuse(e.what());
    }
  }
  try {
    sums.entries = parse_sha256sums(text, sums.origin);
  } catch (const std::exception& e) {
    refuse(e.what());
  }
  return sums;
}

// The hash `sums` lists for `name`; a missing entry refuses the release.
std::string listed_hash(const Sums& sums, const std::string& name, const fs::path& sums_file) {
  std::optional<std::string> hash = listed_sha256(sums.entries, name);
  if (!hash) {
    remove_quietly(sums_file);
    remove_quietly(sums_file.string() + ".asc");
    fail("{}: not listed in {}: refusing an unverifiable release", name, sums.origin);
  }
  return *hash;
}

// downloads/<name>: reused when already there, else downloaded through a
// .part.  Its SHA-256 must be `expected`, else it is deleted and refused.
fs::path obtain_file(const DownloadsDir& downloads, const std::string& name, const std::string& url,
                     const std::string& expected, const std::string& sums_origin, const DownloadSettings& settings,
                     bool& reused) {
  fs::path file = downloads / name, part = downloads / (name + ".part");
  reused = fs::exists(file);
  if (!reused) download_to_part(url, part, settings);
  fs::path checked = reused ? file : part;
  std::string actual = sha256_of_file(checked);
  if (actual != expected) {
    remove_quietly(checked);
    fail("{}: SHA-256 mismatch: {} lists {}, the {} is {}; deleted it", name, sums_origin, expected,
         reused ? "kept download" : "download", actual);
  }
  if (!reused) {
    fs::rename(part, file);
    fsync_parent(file);
  }
  return file;
}

// The tarball's own checks (layout, cms Backdrop, version): a failure deletes it.
void verify_layout(const fs::path& file, TarballKind kind, const std::string& version) {
  try {
    ReleaseTarball tarball = ReleaseTarball::verify(file, kind);
    if (kind == TarballKind::kRelease && tarball.version()->str() != version) {
      fail("{}: holds CiviCRM {}, not {}", file.filename().string(), tarball.version()->str(), version);
    }
  } catch (const std::exception& e) {
    remove_quietly(file);
    fail("{}; deleted it", e.what());
  }
}

// A downgrade, or the installed release again, is refused before anything is
// downloaded (as the upgrade would refuse it), unless --force.
void refuse_not_newer(const Version& version, const fs::path& root, const std::string& feed, bool force) {
  std::optional<Version> installed;
  try {
    installed = read_code_version(root / "modules" / "civicrm");
  } catch (const std::exception&) {
    return;  // preflight reports an unreadable site
  }
  if (force || *installed < version) return;
  if (*installed == version) fail("{}: names {}, which is already installed", feed, version.str());
  fail("{}: names {}, older than the installed {}: refusing a downgrade", feed, version.str(), installed->str());
}

struct Wanted {
  std::string feed;
  Version version;
  std::string backdrop_url;
  std::string l10n_url;
};

Wanted look_up(const ReleaseSourceOptions& source, const ReleaseFeed& feed, const DownloadSettings& settings) {
  if (source.latest) {
    FeedRelease release = parse_check_feed(*fetch_document(feed.check_url, settings), feed.check_url);
    // The feed may still name -backdrop-unstable.tar.gz: fetch the published name beside it.
    std::string published = published_backdrop_name(url_file_name(release.backdrop_url));
    std::string l10n =
        release.l10n_url.empty()
            ? fmt::format("{}/civicrm-{}-l10n.tar.gz", url_directory(release.backdrop_url), release.version.str())
            : release.l10n_url;
    return {feed.check_url, release.version, url_directory(release.backdrop_url) + "/" + published, l10n};
  }
  std::optional<Version> version = Version::try_parse(source.version);
  if (!version || version->is_prerelease() || version->is_upgrade_marker()) {
    fail("--version {}: not a stable CiviCRM version (X.Y.Z)", source.version);
  }
  std::vector<ListedRelease> releases =
      parse_versions_json(*fetch_document(feed.versions_url, settings), feed.versions_url);
  if (!find_release(releases, *version)) fail("{}: lists no release {}", feed.versions_url, version->str());
  return {feed.versions_url, *version, fmt::format("{}/civicrm-{}-backdrop.tar.gz", feed.download_base, version->str()),
          fmt::format("{}/civicrm-{}-l10n.tar.gz", feed.download_base, version->str())};
}

ResolvedRelease finish_download(const ReleaseSourceOptions& source, const Wanted& wanted, const Sums& sums,
                                const DownloadsDir& downloads, const DownloadSettings& settings,
                                PreflightOptions& options);

ResolvedRelease download_release(const ReleaseSourceOptions& source, PreflightOptions& options) {
  fs::path root = find_backdrop_root(options.root, options.cwd);
  fs::path state_dir = resolve_state_dir(root, options.state_dir);
  check_state_dir(state_dir, root);
  DownloadSettings settings = DownloadSettings::from_environment(source.ca_file);
  fs::path keyring = trusted_keyring(source.keyring);
  ReleaseFeed feed = ReleaseFeed::at(source.feed);
  if (!source.sums_url.empty() && !is_https_url(source.sums_url))
    fail("--sums-url {}: not an https:// URL", source.sums_url);

  Wanted wanted = look_up(source, feed, settings);
  refuse_not_newer(wanted.version, root, wanted.feed, options.force);
  std::string version = wanted.version.str();
  std::string sums_name = fmt::format("civicrm-{}.SHA256SUMS", version);
  std::vector<std::string> candidates = {url_directory(wanted.backdrop_url) + "/" + sums_name,
                                         feed.download_base + "/" + sums_name};
  if (!source.sums_url.empty()) candidates = {source.sums_url};
  if (candidates.size() == 2 && candidates[0] == candidates[1]) candidates.pop_back();

  DownloadsDir downloads(state_dir);
  Sums sums = obtain_sums(downloads, version, candidates, keyring, settings);
  try {
    return finish_download(source, wanted, sums, downloads, settings, options);
  } catch (const std::exception&) {
    // A refusal leaves no verified-looking files: only a resumable .part stays.
    remove_quietly(downloads / sums_name);
    remove_quietly(downloads / (sums_name + ".asc"));
    throw;
  }
}

ResolvedRelease finish_download(const ReleaseSourceOptions& source, const Wanted& wanted, const Sums& sums,
                                const DownloadsDir& downloads, const DownloadSettings& settings,
                                PreflightOptions& options) {
  std::string version = wanted.version.str();
  std::string sums_name = fmt::format("civicrm-{}.SHA256SUMS", version);
  ResolvedRelease resolved;
  resolved.feed = wanted.feed;
  resolved.version = version;
  resolved.downloaded = true;
  resolved.release_url = wanted.backdrop_url;
  resolved.sums = sums.origin;
  resolved.signature = sums.signature;
  std::string name = fmt::format("civicrm-{}-backdrop.tar.gz", version);
  std::string l10n_name = fmt::format("civicrm-{}-l10n.tar.gz", version);
  // Both entries before either download: an unlisted l10n tarball refuses at once.
  resolved.sha256 = listed_hash(sums, name, downloads / sums_name);
  std::string l10n_hash = source.matching_l10n ? listed_hash(sums, l10n_name, downloads / sums_name) : "";
  resolved.release_file =
      obtain_file(downloads, name, wanted.backdrop_url, resolved.sha256, sums.origin, settings, resolved.reused);
  verify_layout(resolved.release_file, TarballKind::kRelease, version);
  if (source.matching_l10n) {
    bool reused = false;
    resolved.l10n_file = obtain_file(downloads, l10n_name, wanted.l10n_url, l10n_hash, sums.origin, settings, reused);
    verify_layout(*resolved.l10n_file, TarballKind::kL10n, version);
  }
  downloads.keep_only({name, l10n_name, sums_name, sums_name + ".asc"});
  spdlog::info("release {}: {} ({}), SHA-256 verified against {}; signature {}", version,
               resolved.release_file.string(), resolved.reused ? "reused" : "downloaded from " + wanted.backdrop_url,
               sums.origin, sums.signature);
  if (sums.signature == kNoKey) spdlog::warn("{}: signature {}", sums_name, kNoKey);
  options.release_file = resolved.release_file;
  options.l10n_file = resolved.l10n_file;
  return resolved;
}

// --release FILE --sha256sums FILE: the same checks on files the user brought
// (never deleted: they are the user's).
ResolvedRelease verify_local_release(const ReleaseSourceOptions& source, const PreflightOptions& options) {
  fs::path sums_file = fs::absolute(source.sha256sums);
  if (!fs::is_regular_file(sums_file)) fail("--sha256sums {}: no such file", source.sha256sums);
  ResolvedRelease resolved;
  resolved.release_file = fs::absolute(options.release_file);
  resolved.l10n_file = options.l10n_file;
  resolved.sums = sums_file.string();
  fs::path keyring = trusted_keyring(source.keyring);
  resolved.signature = kNoKey;
  if (!keyring.empty()) {
    fs::path signature = sums_file.string() + ".asc";
    if (!fs::exists(signature)) {
      fail("{}: not found: a trusted key is configured ({}), so the signature is required", signature.string(),
           keyring.string());
    }
    resolved.signature = "verified: key " + verify_detached_signature(keyring, signature, sums_file);
  }
  std::map<std::string, std::string> sums = parse_sha256sums(read_file(sums_file), sums_file.string());
  std::vector<fs::path> files = {resolved.release_file};
  if (options.l10n_file) files.push_back(fs::absolute(*options.l10n_file));
  for (const fs::path& file : files) {
    std::optional<std::string> expected = listed_sha256(sums, file.filename().string());
    if (!expected) fail("{}: not listed in {}", file.filename().string(), sums_file.string());
    std::string actual = sha256_of_file(file);
    if (actual != *expected) {
      fail("{}: SHA-256 mismatch: {} lists {}, the file is {}", file.string(), sums_file.string(), *expected, actual);
    }
    if (file == resolved.release_file) resolved.sha256 = actual;
  }
  return resolved;
}

}  // namespace

void add_release_source_options(cxxopts::Options& options) {
  options.add_options()("latest", "download the newest stable release from CiviCRM's release feed")(
      "version", "download release X.Y.Z", cxxopts::value<std::string>(), "X.Y.Z")(
      "feed", "the release feed's base URL (a mirror or test server)", cxxopts::value<std::string>(), "URL")(
      "sums-url", "the URL of civicrm-X.Y.Z.SHA256SUMS", cxxopts::value<std::string>(), "URL")(
      "sha256sums", "check a local --release against this SHA256SUMS file", cxxopts::value<std::string>(), "SUMS")(
      "keyring",
      "OpenPGP keyring the SHA256SUMS signature must verify against (default "
      "/etc/civiup/trusted-keys.gpg when it exists)",
      cxxopts::value<std::string>(),
      "FILE")("ca-file", "CA certificates for HTTPS (default: the system store, or CURL_CA_BUNDLE)",
              cxxopts::value<std::string>(), "FILE");
}

ReleaseSourceOptions release_source_options_from(const cxxopts::ParseResult& parsed) {
  ReleaseSourceOptions source;
  auto text = [&](const char* name) {
    return parsed.count(name) != 0 ? parsed[name].as<std::string>() : std::string();
  };
  source.latest = parsed.count("latest") != 0;
  source.version = text("version");
  source.matching_l10n = parsed.count("l10n") != 0 && parsed["l10n"].as<std::string>().empty();
  source.feed = text("feed");
  source.sums_url = text("sums-url");
  source.sha256sums = text("sha256sums");
  source.keyring = text("keyring");
  source.ca_file = text("ca-file");
  bool release = parsed.count("release") != 0;
  if (static_cast<int>(release) + static_cast<int>(source.latest) + static_cast<int>(!source.version.empty()) > 1) {
    fail("--release, --latest and --version exclude each other");
  }
  if (source.matching_l10n && !source.downloads()) fail("--l10n without a file needs --latest or --version");
  if (!source.sha256sums.empty() && !release) fail("--sha256sums checks a --release FILE");
  return source;
}

std::vector<std::string> expand_bare_l10n(std::vector<std::string> args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--l10n" && (i + 1 == args.size() || args[i + 1].starts_with("-"))) args[i] = "--l10n=";
  }
  return args;
}

std::optional<ResolvedRelease> resolve_release_source(const ReleaseSourceOptions& source, PreflightOptions& options) {
  if (source.downloads()) return download_release(source, options);
  if (!source.sha256sums.empty()) return verify_local_release(source, options);
  return std::nullopt;
}

nlohmann::json release_source_json(const ResolvedRelease& release) {
  return {{"feed", release.feed.empty() ? nlohmann::json() : nlohmann::json(release.feed)},
          {"version", release.version.empty() ? nlohmann::json() : nlohmann::json(release.version)},
          {"downloaded", release.downloaded},
          {"reused", release.reused},
          {"url", release.release_url.empty() ? nlohmann::json() : nlohmann::json(release.release_url)},
          {"file", release.release_file.string()},
          {"l10n_file", release.l10n_file ? nlohmann::json(release.l10n_file->string()) : nlohmann::json()},
          {"sha256", release.sha256},
          {"sha256sums", release.sums},
          {"signature", release.signature}};
}

std::string release_source_text(const ResolvedRelease& release) {
  std::string out;
  if (release.downloaded) {
    out += fmt::format("release feed: {} names {}\n", release.feed, release.version);
    out += fmt::format("download: {} ({})\n", release.release_file.string(),
                       release.reused ? "reused from an earlier run" : "downloaded from " + release.release_url);
  }
  out += fmt::format("SHA-256 verified against {}\n", release.sums);
  out += fmt::format("signature {}\n", release.signature);
  return out;
}

}  // namespace civiup
