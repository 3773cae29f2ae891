#include "testbed/release_layout.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "testbed/embedded_php.hpp"
#include "testbed/random_text.hpp"

namespace civiup::testbed {
namespace {

// Where a release's files live, how many of them, and what they are.  Shares
// follow a real 5.7x Backdrop tarball roughly (vendor/ and CRM/ dominate).
struct TopDirectory {
  std::string_view name;
  double share;
  std::string_view extension;
  bool capitalized;  // CRM/Civi class directories are CamelCase
  PlannedFile::Kind kind = PlannedFile::Kind::Text;
  unsigned mode = 0644;
};

constexpr std::array<TopDirectory, 14> kTopDirectories = {{
    {"CRM", 0.27, ".php", true},
    {"Civi", 0.08, ".php", true},
    {"api", 0.05, ".php", false},
    {"templates/CRM", 0.14, ".tpl", true},
    {"packages", 0.07, ".php", false},
    {"vendor", 0.19, ".php", false},
    {"js", 0.03, ".js", false},
    {"css", 0.01, ".css", false},
    {"ext", 0.08, ".php", false},
    {"xml/schema", 0.03, ".xml", true},
    {"sql", 0.005, ".mysql", false},
    {"bower_components", 0.03, ".js", false},
    {"i", 0.01, ".png", false, PlannedFile::Kind::Binary},
    {"bin", 0.002, ".sh", false, PlannedFile::Kind::Text, 0755},
}};

std::string lowercase(std::string_view word) {
  std::string out(word);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string cms_directory(const std::string& cms) {
  if (cms == "Backdrop") return "backdrop";
  if (cms == "Drupal") return "drupal";
  if (cms == "WordPress") return "wordpress";
  throw std::runtime_error(fmt::format("release spec: unknown cms '{}' (Backdrop, Drupal or WordPress)", cms));
}

// distmaker writes this file into every tarball (dists/common.sh, dm_generate_version).
std::string version_php(const ReleaseSpec& spec) {
  return fmt::format(
      "<?php\n"
      "/** @deprecated */\n"
      "function civicrmVersion( ) {{\n"
      "  return array( 'version'  => '{}',\n"
      "                'cms'      => '{}',\n"
      "                'revision' => '{:012x}' );\n"
      "}}\n",
      spec.version, spec.cms, hash_of(spec.version, spec.seed) & 0xffffffffffffull);
}

std::string version_xml(const ReleaseSpec& spec) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\" ?>\n"
      "<version>\n"
      "  <version_no>{}</version_no>\n"
      "</version>\n",
      spec.version);
}

std::string civicrm_info(const ReleaseSpec& spec) {
  return fmt::format(
      "name = CiviCRM\n"
      "description = Constituent Relationship Management CRM - v{0}. Allows sites to manage contacts, "
      "relationships and groups, and track contact activities, contributions, memberships and events.\n"
      "version = {0}\n"
      "backdrop = 1.x\n"
      "type = module\n"
      "package = CiviCRM\n"
      "configure = civicrm/admin/configtask\n",
      spec.version);
}

std::string module_php(std::string_view module, const ReleaseSpec& spec) {
  return fmt::format(
      "<?php\n"
      "/**\n * @file\n * {0} module, CiviCRM {1}.\n */\n\n"
      "/**\n * Implements hook_menu().\n */\n"
      "function {0}_menu() {{\n  return array();\n}}\n",
      module, spec.version);
}

std::string bundled_module_info(std::string_view module, const ReleaseSpec& spec) {
  return fmt::format(
      "name = {0}\n"
      "description = CiviCRM integration: {0}.\n"
      "package = CiviCRM\n"
      "backdrop = 1.x\n"
      "type = module\n"
      "dependencies[] = civicrm\n"
      "version = {1}\n",
      module, spec.version);
}

// 6.18 and later ship Smarty under vendor/ (a version "X.Y.*" compared by X, Y).
bool smarty_moved_to_vendor(const std::string& version) {
  int major = 0;
  int minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 18);
}

std::vector<PlannedFile> fixed_files(const ReleaseSpec& spec) {
  std::vector<PlannedFile> files;
  auto add = [&files](std::string path, std::string content, unsigned mode = 0644) {
    PlannedFile file;
    file.path = "civicrm/" + path;
    file.kind = PlannedFile::Kind::Fixed;
    file.fixed = std::move(content);
    file.size = file.fixed.size();
    file.mode = mode;
    files.push_back(std::move(file));
  };
  add("civicrm-version.php", version_php(spec));
  add("xml/version.xml", version_xml(spec));
  add("README.md", "# CiviCRM\n\nConstituent relationship management for non-profits.\n");
  add("release-notes.md",
      fmt::format("# CiviCRM {}\n\nReleased as a test-bed release (seed {}).\n", spec.version, spec.seed));
  add("composer.json",
      fmt::format("{{\n  \"name\": \"civicrm/civicrm-core\",\n  \"version\": \"{}\"\n}}\n", spec.version));
  add(fmt::format("CRM/Upgrade/Incremental/sql/{}.mysql.tpl", spec.version),
      fmt::format("{{* file to handle db changes in {} during upgrade *}}\n", spec.version));
  add("templates/CRM/common/civicrm.settings.php.template",
      "<?php\nif (!defined('CIVICRM_DSN')) {\n  define('CIVICRM_DSN', '%%dbsDSN%%');\n}\n");
  // The CiviCRM classes civiup's upgrade runner calls, as a stand-in (tests/testbed/php/civicrm_standin.php).
  add("CRM/Core/ClassLoader.php", std::string(kCiviCrmStandinPhp));
  add("CRM/Core/Config.php",
      "<?php\n// CRM_Core_Config is defined in CRM/Core/ClassLoader.php (the test bed's stand-in).\n");
  add("bin/regen.sh", "#!/bin/bash\n# Regenerates the schema files.\nset -e\necho regen\n", 0755);
  if (!spec.extension_compatibility.empty()) add("extension-compatibility.json", spec.extension_compatibility);
  // Core extensions the release bundles in civicrm/ext (a site's civicrm_extension lists them too).
  for (auto [key, name] : {std::pair{"org.civicrm.search_kit", "search_kit"}, std::pair{"org.civicrm.afform", "afform"},
                           std::pair{"authx", "authx"}, std::pair{"org.civicrm.flexmailer", "flexmailer"}}) {
    add(fmt::format("ext/{}/info.xml", name),
        fmt::format("<?xml version=\"1.0\"?>\n<extension key=\"{}\" type=\"module\">\n  <file>{}</file>\n"
                    "  <version>{}</version>\n</extension>\n",
                    key, name, spec.version));
  }
  // Smarty: packages/Smarty until 6.17, vendor/smarty/smarty from 6.18 on (the
  // 6.18 release moved it; nothing in civiup may look for the old place).
  add(smarty_moved_to_vendor(spec.version) ? "vendor/smarty/smarty/libs/Smarty.class.php"
                                           : "packages/Smarty/Smarty.class.php",
      fmt::format("<?php\n/**\n * Smarty, as shipped with CiviCRM {}.\n */\nclass Smarty {{\n}}\n", spec.version));

  const std::string cms = cms_directory(spec.cms);
  if (spec.cms == "WordPress") {
    add("civicrm.php", fmt::format("<?php\n/*\nPlugin Name: CiviCRM\nVersion: {}\n*/\n", spec.version));
    add("wordpress/civicrm.php", module_php("civicrm", spec));
    return files;
  }
  add(cms + "/civicrm.info", civicrm_info(spec));
  add(cms + "/civicrm.module", module_php("civicrm", spec));
  add(cms + "/civicrm.install", "<?php\n/**\n * @file\n * Install, update and uninstall functions.\n */\n");
  for (const std::string& module : spec.bundled_modules) {
    add(fmt::format("{}/modules/{}/{}.info", cms, module, module), bundled_module_info(module, spec));
    add(fmt::format("{}/modules/{}/{}.module", cms, module, module), module_php(module, spec));
  }
  return files;
}

// Directories under each top directory, grown as random trees of depth <= 5.
std::vector<std::vector<std::string>> plan_directories(DeterministicRandom& random, size_t directory_total) {
  std::vector<std::vector<std::string>> per_top;
  std::set<std::string> taken;
  for (const TopDirectory& top : kTopDirectories) {
    std::string top_path = fmt::format("civicrm/{}", top.name);
    std::vector<std::string> directories = {top_path};
    std::vector<int> depth = {0};
    taken.insert(top_path);
    size_t wanted =
        std::max<size_t>(1, static_cast<size_t>(std::llround(top.share * static_cast<double>(directory_total))));
    if (top.kind == PlannedFile::Kind::Binary || top.mode != 0644) wanted = 1;
    while (directories.size() < wanted) {
      size_t parent = random.below(directories.size());
      if (depth[parent] >= 5) continue;
      std::string_view word = vocabulary_word(random.next());
      std::string name = top.capitalized ? std::string(word) : lowercase(word);
      std::string path = directories[parent] + "/" + name;
      for (int n = 2; taken.count(path) != 0; ++n) path = fmt::format("{}/{}{}", directories[parent], name, n);
      taken.insert(path);
      directories.push_back(path);
      depth.push_back(depth[parent] + 1);
    }
    per_top.push_back(std::move(directories));
  }
  return per_top;
}

// Exponential-ish sizes, scaled so the files add up to `budget` bytes.
void assign_sizes(std::vector<PlannedFile>& files, DeterministicRandom& random, uint64_t budget) {
  std::vector<double> weights;
  double sum = 0;
  for (PlannedFile& file : files) {
    double weight = std::clamp(-std::log(1.0 - random.unit()), 0.03, 12.0);
    if (file.kind == PlannedFile::Kind::Binary) weight = std::min(weight, 0.5);
    weights.push_back(weight);
    sum += weight;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    files[i].size = std::max<uint64_t>(48, static_cast<uint64_t>(static_cast<double>(budget) * weights[i] / sum));
  }
}

std::string text_header(const PlannedFile& file) {
  std::string_view path = file.path;
  if (path.ends_with(".php")) {
    return fmt::format(
        "<?php\n/*\n +--------------------------------------------------------------------+\n"
        " | Copyright CiviCRM LLC. All rights reserved.                        |\n"
        " | This work is published under the GNU AGPLv3 license with some      |\n"
        " | permitted exceptions and without any warranty.                     |\n"
        " +--------------------------------------------------------------------+\n */\n\n"
        "/**\n * @file {}\n */\n\n",
        path);
  }
  if (path.ends_with(".tpl")) return fmt::format("{{* {} *}}\n", path);
  if (path.ends_with(".sh")) return fmt::format("#!/bin/bash\n# {}\n", path);
  if (path.ends_with(".xml"))
    return fmt::format("<?xml version=\"1.0\" encoding=\"iso-8859-1\" ?>\n<!-- {} -->\n", path);
  return fmt::format("/* {} */\n", path);
}

}  // namespace

ReleaseSpec ReleaseSpec::release_scale(const std::string& version) {
  ReleaseSpec spec;
  spec.version = version;
  spec.file_count = 16300;
  spec.total_bytes = 165'000'000;
  spec.bundled_modules = {"civicrmtheme", "civicrm_rules"};
  return spec;
}

ReleaseLayout::ReleaseLayout(const ReleaseSpec& spec) {
  if (spec.version.empty()) throw std::runtime_error("release spec: empty version");
  DeterministicRandom random(hash_of("layout", spec.seed));
  mtime_ = 1'700'000'000 + static_cast<int64_t>(hash_of(spec.version) % 50'000'000);

  std::vector<PlannedFile> files = fixed_files(spec);
  uint64_t fixed_bytes = 0;
  for (const PlannedFile& file : files) fixed_bytes += file.size;
  // About 1% of generated files are left out per version (below): plan that many more.
  size_t generated_count = spec.file_count > files.size() ? (spec.file_count - files.size()) * 100 / 99 : 0;
  // About 2,900 directories for 16,300 files in a real release.
  size_t directory_total = std::clamp<size_t>(generated_count * 2900 / 16300, kTopDirectories.size(), 100000);
  auto per_top = plan_directories(random, directory_total);

  // Every directory gets one file first (a release has no empty directories),
  // then the rest go to random directories by each top directory's share.
  std::vector<PlannedFile> generated;
  std::set<std::string> names;
  for (const PlannedFile& file : files) names.insert(file.path);  // no generated file replaces a fixed one
  auto add_file = [&](size_t top_index, const std::string& directory) {
    const TopDirectory& top = kTopDirectories[top_index];
    std::string_view word = vocabulary_word(random.next());
    std::string stem = top.capitalized ? std::string(word) : lowercase(word);
    std::string path = fmt::format("{}/{}{}", directory, stem, top.extension);
    for (int n = 2; names.count(path) != 0; ++n) path = fmt::format("{}/{}{}{}", directory, stem, n, top.extension);
    names.insert(path);
    PlannedFile file;
    file.path = path;
    file.kind = top.kind;
    file.mode = top.mode;
    generated.push_back(std::move(file));
  };
  for (size_t t = 0; t < per_top.size() && generated.size() < generated_count; ++t) {
    for (const std::string& directory : per_top[t]) {
      if (generated.size() >= generated_count) break;
      add_file(t, directory);
    }
  }
  while (generated.size() < generated_count) {
    double pick = random.unit();
    size_t t = 0;
    for (double acc = kTopDirectories[0].share; t + 1 < kTopDirectories.size() && pick > acc;) {
      acc += kTopDirectories[++t].share;
    }
    add_file(t, per_top[t][random.below(per_top[t].size())]);
  }
  assign_sizes(generated, random, spec.total_bytes > fixed_bytes ? spec.total_bytes - fixed_bytes : 0);

  // Versions differ: a quarter of the files change content with the version,
  // and about 1% exist in some versions only, so an upgrade adds, removes and
  // changes files while most stay identical (as between real releases).
  for (PlannedFile& file : generated) {
    uint64_t bucket = hash_of(file.path, spec.seed) % 100;
    if (bucket >= 25 && bucket < 27 && (hash_of(file.path, hash_of(spec.version)) & 1) != 0) continue;
    file.content_key =
        bucket < 25 ? hash_of(file.path, hash_of(spec.version, spec.seed)) : hash_of(file.path, spec.seed);
    files.push_back(std::move(file));
  }

  std::sort(files.begin(), files.end(), [](const PlannedFile& a, const PlannedFile& b) { return a.path < b.path; });
  std::set<std::string> directories = {"civicrm"};
  for (const PlannedFile& file : files) {
    for (size_t slash = file.path.find('/'); slash != std::string::npos; slash = file.path.find('/', slash + 1)) {
      directories.insert(file.path.substr(0, slash));
    }
  }
  // Sorted as "dir/" so each directory comes right before its own entries
  // even next to names with '-' or '.', which sort before '/'.
  directories_.assign(directories.begin(), directories.end());
  std::sort(directories_.begin(), directories_.end(),
            [](const std::string& a, const std::string& b) { return a + "/" < b + "/"; });
  files_ = std::move(files);

  size_t pool_size = static_cast<size_t>(std::clamp<uint64_t>(spec.total_bytes / 8, 64 << 10, 8 << 20));
  pool_ = pseudo_source(hash_of("pool", spec.seed), pool_size);
}

std::string ReleaseLayout::content(const PlannedFile& file) const {
  if (file.kind == PlannedFile::Kind::Fixed) return file.fixed;
  std::string out;
  if (file.kind == PlannedFile::Kind::Binary) {
    // A PNG signature, then noise: binary and incompressible, like images.
    out = "\x89PNG\r\n\x1a\n";
    DeterministicRandom random(file.content_key);
    while (out.size() < file.size) out.push_back(static_cast<char>(random.next() & 0xff));
    return out;
  }
  out = text_header(file);
  // The header counts towards the planned size, so totals stay near the spec.
  uint64_t remaining = file.size > out.size() + 32 ? file.size - out.size() : 32;
  size_t offset = static_cast<size_t>(file.content_key % pool_.size());
  out.reserve(out.size() + remaining);
  while (remaining > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(remaining, pool_.size() - offset));
    out.append(pool_, offset, n);
    remaining -= n;
    offset = 0;
  }
  return out;
}

}  // namespace civiup::testbed
