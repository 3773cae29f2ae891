#pragma once
// The state directory's trash.  What a run no longer needs (the replaced code
// tree, undo and pre-snapshot dumps) is renamed into <state>/trash at once and
// deleted off the critical path: deleting a 16,000-file tree took 5–55 s on a
// busy disk inside `civiup rollback`, the rename takes microseconds (the state
// directory is on the site's filesystem, so it is a rename).
//
// A detached deleter (its own session, nice 19, idle I/O class) empties the
// trash holding flock(<state>/trash.lock), which also names its pid.  Trash
// left by a crash (of civiup or of the deleter) is handed to a new deleter by
// the next command that starts a transaction, and deleted at once when that
// command needs the space.  `--sync-delete` or CIVIUP_SYNC_DELETE=1 deletes in
// the foreground instead, for scripts that must not leave a process behind.
#include <cstdint>
#include <filesystem>
#include <optional>

namespace civiup {

std::filesystem::path trash_dir(const std::filesystem::path& state_dir);

// Deletion in the foreground: --sync-delete (set_sync_delete) or CIVIUP_SYNC_DELETE=1.
void set_sync_delete(bool sync);
bool sync_delete();

// Renames `path` into the trash under a unique name; absent is fine.  A path
// on another filesystem (compiled templates on a separate files mount) is
// deleted at once instead.  An error names the path.
void move_to_trash(const std::filesystem::path& state_dir, const std::filesystem::path& path);

// Empties the trash now.  A running deleter is waited for (and raised to
// normal priority first, when allowed).  Whatever cannot be deleted (or a
// lock that cannot be taken) is left and logged as a warning: deleting the
// trash never fails a command, nor do the two functions below.
void empty_trash(const std::filesystem::path& state_dir);

// Starts a detached deleter when the trash holds anything (sync mode: empties
// it now).  Returns at once; the deleter outlives civiup.
void delete_trash_later(const std::filesystem::path& state_dir);

// Before a command fills the state directory: when `needed_bytes` are not free
// on its filesystem and the trash holds something, the trash is emptied now;
// otherwise leftover trash goes to a deleter.
void sweep_trash(const std::filesystem::path& state_dir, uint64_t needed_bytes);

struct TrashInfo {
  uint64_t bytes = 0;              // regular files' sizes in the trash
  std::optional<int> deleter_pid;  // a deleter holds trash.lock now
};

// What the trash holds and whether a deleter is at work.  Read-only: creates nothing.
TrashInfo inspect_trash(const std::filesystem::path& state_dir);

}  // namespace civiup
