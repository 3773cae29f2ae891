#include "civiup/base/unique_fd.hpp"

#include <fcntl.h>

#include "civiup/base/error.hpp"

namespace civiup {

Pipe make_pipe(const char* what) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) fail_errno(what);
  return Pipe{UniqueFd(ends[0]), UniqueFd(ends[1])};
}

}  // namespace civiup
