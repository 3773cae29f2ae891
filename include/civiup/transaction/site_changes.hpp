#pragma once
// Whether this process has begun a transaction that changes the site (its
// first journal record is written, or recover started on one): from then on a
// failure that escapes to the one error boundary is never "nothing changed"
// (exit 2) but exit 3.
namespace civiup {

bool site_may_have_changed();
void note_site_may_change();

}  // namespace civiup
