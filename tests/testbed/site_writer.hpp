#pragma once
// The stand-in site traffic of the under-load tests and bench (issue 15): a
// separate process that keeps committing small transactions to both
// databases (inserts and updates in civicrm_contact and Backdrop's node),
// and logs every commit with whether maintenance mode was still off right
// after it (such a commit came before maintenance mode went on).  Like a
// Backdrop request, it writes nothing while maintenance mode is on.
namespace civiup::testbed {

// civiup-testbed write-load --civicrm-db C --backdrop-db B [--prefix P]
//   [--rate N] [--until-maintenance] --log FILE
// Log lines: "<crm|bd> <n> <off|on>", flushed per commit.  Runs until
// SIGTERM (or, with --until-maintenance, until it sees maintenance mode on).
int write_load_main(int argc, char** argv);

}  // namespace civiup::testbed
