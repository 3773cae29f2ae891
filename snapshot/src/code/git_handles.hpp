#pragma once
// libgit2 at the boundary: owned handles, and return codes turned into
// civiup::Error with libgit2's own message.
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include <string_view>

#include "civiup/base/error.hpp"
#include "civiup/base/scope_guard.hpp"

namespace civiup::snapshot {

using RepositoryHandle = Handle<git_repository, git_repository_free>;
using IndexHandle = Handle<git_index, git_index_free>;
using OdbHandle = Handle<git_odb, git_odb_free>;
using ObjectHandle = Handle<git_object, git_object_free>;
using OdbObjectHandle = Handle<git_odb_object, git_odb_object_free>;
using TreeHandle = Handle<git_tree, git_tree_free>;
using CommitHandle = Handle<git_commit, git_commit_free>;
using BlobHandle = Handle<git_blob, git_blob_free>;
using ReferenceHandle = Handle<git_reference, git_reference_free>;
using ReferenceIteratorHandle = Handle<git_reference_iterator, git_reference_iterator_free>;
using TreeBuilderHandle = Handle<git_treebuilder, git_treebuilder_free>;
using SignatureHandle = Handle<git_signature, git_signature_free>;
using PackBuilderHandle = Handle<git_packbuilder, git_packbuilder_free>;
using ConfigHandle = Handle<git_config, git_config_free>;

// Throws "what: <libgit2's message>" when `code` is an error.
inline int git_check(int code, std::string_view what) {
  if (code >= 0) return code;
  const git_error* error = git_error_last();
  fail("{}: {}", what, error != nullptr && error->message != nullptr ? error->message : "libgit2 error");
}

// git_libgit2_init once per process (never shut down: other threads may use it).
void ensure_libgit2();

}  // namespace civiup::snapshot
