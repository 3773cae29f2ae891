// Rollback phase, in the window right after snapshot-databases: nothing a
// rollback or restore replaces is lost.  A code snapshot of the site's paths
// as they are now, labelled kind=pre-rollback (or pre-restore), names the
// dumps snapshot-databases just took for the rollback's own undo; together
// they are a snapshot like any other, and `civiup restore <id>` undoes the
// rollback.  The dumps exist anyway, so the window grows only by the code
// snapshot (its stat cache makes an unchanged tree a matter of stats).
// Here, too, the report asked about before the run becomes what the run
// discards: the site wrote until maintenance mode, and those dumps' digests
// say what it wrote after the question (no table is read again).
#include <spdlog/spdlog.h>

#include "civiup/site/site_snapshot.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "civiup/upgrade/discarded_changes.hpp"
#include "civiup/version.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class KeepReplacedPhase final : public WorldPhase {
 public:
  KeepReplacedPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    snapshot::CodeSnapshotSpec spec =
        site_code_snapshot_spec(run.root, world_.backdrop_settings(), world_.civicrm_settings());
    std::string kind = run.command == "restore" ? "pre-restore" : "pre-rollback";
    spec.message =
        fmt::format("before {} to snapshot {} (CiviCRM {})", run.command == "restore" ? "restoring" : "rolling back",
                    run.restore_snapshot.substr(0, 12), run.to_version);
    spec.labels = {{"kind", kind},
                   {"run", run.id},
                   {"code_version", run.from_code_version},
                   {"db_version", run.from_db_version},
                   {"dumps", run.dumps_dir().filename().string()}};
    snapshot::CodeSnapshotResult result = take_code_snapshot(std::move(spec), undo);
    spdlog::info("kept the state being replaced as snapshot {} ({})", result.info.id, kind);
    if (run.discarded) complete_report(*run.discarded);
  }

  // A rolled-back rollback replaced nothing: its snapshot is forgotten (the
  // dumps go with snapshot-databases' undo).
  void undo(const nlohmann::json& data) override { forget_code_snapshot(data); }

 private:
  // The run was confirmed ("discard the changes since ..."); what came after
  // the question is more of the same, and kept with it: the run goes on and
  // reports it.  Reading it must not fail the run: a failure is reported.
  void complete_report(DiscardedChanges& discarded) {
    try {
      size_t late = add_written_after_question(discarded, world_.run().dumps_dir(), world_);
      if (late != 0) spdlog::warn("{}", discarded.after_question_text());
    } catch (const std::exception& e) {
      discarded.after_question_unchecked = e.what();
      spdlog::warn("checking what was written after the question: {}", e.what());
    }
  }
};

}  // namespace

std::unique_ptr<Phase> keep_replaced(UpgradeWorld& world, std::string name) {
  return std::make_unique<KeepReplacedPhase>(world, std::move(name));
}

}  // namespace civiup::phases
