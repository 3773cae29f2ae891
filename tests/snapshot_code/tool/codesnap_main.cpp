// civiup-codesnap: drives the code snapshot library from the command line, for
// scripts/bench.d/code, the stock-git restore test and trying things by hand.
//   civiup-codesnap snapshot REPO ROOT [--path P]... [--exclude PATTERN]...
//                   [--message TEXT] [--label KEY=VALUE]... [--no-sync]
//   civiup-codesnap restore REPO ID TARGET [--no-sync] [--no-owners]
//   civiup-codesnap list REPO
//   civiup-codesnap diff REPO FROM TO
//   civiup-codesnap diff REPO FROM --live ROOT
//   civiup-codesnap remove REPO ID
//   civiup-codesnap gc REPO
// Prints JSON lines on stdout (one per snapshot for list, one per change for
// diff, else one), each with "seconds" where timing means something.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "civiup/base/error.hpp"
#include "civiup/snapshot/code/code_repository.hpp"

namespace snap = civiup::snapshot;
using nlohmann::json;

namespace {

constexpr const char* kUsage =
    "usage: civiup-codesnap snapshot REPO ROOT [--path P]... [--exclude PATTERN]... [--message TEXT]\n"
    "                       [--label KEY=VALUE]... [--no-sync]\n"
    "       civiup-codesnap restore REPO ID TARGET [--no-sync] [--no-owners]\n"
    "       civiup-codesnap list REPO\n"
    "       civiup-codesnap diff REPO FROM (TO | --live ROOT)\n"
    "       civiup-codesnap remove REPO ID\n"
    "       civiup-codesnap gc REPO\n";

struct Usage {};

// Positional arguments and --options of one subcommand.
struct Arguments {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // --name value, or --flag ""

  bool flag(const std::string& name) const {
    for (const auto& [key, value] : options) {
      if (key == name) return true;
    }
    return false;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : options) {
      if (key == name) out.push_back(value);
    }
    return out;
  }
  const std::string& at(std::size_t i) const {
    if (i >= positional.size()) throw Usage{};
    return positional[i];
  }
};

Arguments parse(int argc, char** argv, const std::vector<std::string>& valued) {
  Arguments args;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      args.positional.push_back(arg);
    } else if (std::find(valued.begin(), valued.end(), arg) != valued.end()) {
      if (i + 1 >= argc) throw Usage{};
      args.options.emplace_back(arg, argv[++i]);
    } else {
      args.options.emplace_back(arg, "");
    }
  }
  return args;
}

class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

json info_json(const snap::CodeSnapshotInfo& info) {
  return {{"id", info.id},         {"created", info.created}, {"message", info.message},
          {"labels", info.labels}, {"paths", info.paths},     {"root", info.root}};
}

void print(const json& line) { std::cout << line.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl; }

int snapshot(int argc, char** argv) {
  Arguments args = parse(argc, argv, {"--path", "--exclude", "--message", "--label"});
  snap::CodeSnapshotSpec spec;
  spec.root = args.at(1);
  spec.paths = args.all("--path");
  if (spec.paths.empty()) spec.paths = {"."};
  spec.exclude = args.all("--exclude");
  auto messages = args.all("--message");
  spec.message = messages.empty() ? "civiup-codesnap snapshot" : messages.back();
  for (const auto& label : args.all("--label")) {
    auto equals = label.find('=');
    if (equals == std::string::npos) throw Usage{};
    spec.labels[label.substr(0, equals)] = label.substr(equals + 1);
  }
  spec.tool_version = "civiup-codesnap";
  spec.durable = !args.flag("--no-sync");
  Stopwatch watch;
  auto repository = snap::CodeRepository::open(args.at(0));
  auto result = repository.snapshot(spec);
  print({{"ok", true},
         {"command", "snapshot"},
         {"id", result.info.id},
         {"seconds", watch.seconds()},
         {"entries", result.entries},
         {"files_hashed", result.files_hashed},
         {"bytes_hashed", result.bytes_hashed},
         {"skipped", result.skipped},
         {"durable", spec.durable}});
  return 0;
}

int restore(int argc, char** argv) {
  Arguments args = parse(argc, argv, {});
  snap::RestoreOptions options;
  options.sync = !args.flag("--no-sync");
  options.apply_owners = !args.flag("--no-owners");
  Stopwatch watch;
  auto repository = snap::CodeRepository::open(args.at(0));
  repository.restore(args.at(1), args.at(2), options);
  print({{"ok", true}, {"command", "restore"}, {"seconds", watch.seconds()}, {"synced", options.sync}});
  return 0;
}

int list(int argc, char** argv) {
  Arguments args = parse(argc, argv, {});
  auto repository = snap::CodeRepository::open(args.at(0));
  for (const auto& info : repository.list()) print(info_json(info));
  return 0;
}

int diff(int argc, char** argv) {
  Arguments args = parse(argc, argv, {"--live"});
  auto repository = snap::CodeRepository::open(args.at(0));
  auto live = args.all("--live");
  auto changes = live.empty() ? repository.diff(args.at(1), args.at(2)) : repository.diff_live(args.at(1), live.back());
  for (const auto& change : changes) print({{"change", snap::to_string(change.kind)}, {"path", change.path}});
  return changes.empty() ? 0 : 1;
}

int remove(int argc, char** argv) {
  Arguments args = parse(argc, argv, {});
  auto repository = snap::CodeRepository::open(args.at(0));
  repository.remove(args.at(1));
  print({{"ok", true}, {"command", "remove"}});
  return 0;
}

int gc(int argc, char** argv) {
  Arguments args = parse(argc, argv, {});
  Stopwatch watch;
  auto repository = snap::CodeRepository::open(args.at(0));
  auto result = repository.collect_garbage();
  print({{"ok", true},
         {"command", "gc"},
         {"seconds", watch.seconds()},
         {"objects_kept", result.objects_kept},
         {"bytes_before", result.bytes_before},
         {"bytes_after", result.bytes_after}});
  return 0;
}

struct Subcommand {
  const char* name;
  int (*run)(int, char**);
};

constexpr Subcommand kSubcommands[] = {
    {"snapshot", snapshot}, {"restore", restore}, {"list", list}, {"diff", diff}, {"remove", remove}, {"gc", gc},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string name = argv[1];
  for (const auto& subcommand : kSubcommands) {
    if (name != subcommand.name) continue;
    try {
      return subcommand.run(argc, argv);
    } catch (const Usage&) {
      std::cerr << kUsage;
      return 2;
    } catch (const civiup::Error& e) {
      std::cerr << "civiup-codesnap: error: " << e.what() << "\n";
      print({{"ok", false}, {"error", e.what()}});
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "civiup-codesnap: error: " << e.what() << "\n";
      print({{"ok", false}, {"error", e.what()}});
      return 1;
    }
  }
  std::cerr << "civiup-codesnap: unknown subcommand '" << name << "'\n" << kUsage;
  return 2;
}
