#pragma once
// Loose blobs written without compression.  A loose object is zlib("blob
// <size>\0" + content); zlib allows "stored" blocks, which git and libgit2
// read like any other stream.  Deflating 165 MB costs more CPU than the rest
// of a first snapshot together, and inflating it again is most of a
// restore's; stored blocks make both a copy.  collect_garbage() packs (and
// compresses) them later.  libgit2 cannot write these itself: its loose
// backend treats level 0 as "no zlib stream at all".
#include <git2.h>

#include <cstddef>
#include <filesystem>

namespace civiup::snapshot {

// Writes blob `id` with `content` into `objects` (objects/xx/yyyy…) unless a
// file of that name is already there.  Creates the fan-out directory.
void write_stored_loose_blob(const std::filesystem::path& objects, const git_oid& id, const char* content,
                             std::size_t size);

}  // namespace civiup::snapshot
