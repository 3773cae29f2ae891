#pragma once
// The stand-in for bee (Backdrop's command line), for the tests of civiup's
// bee path: `civiup-testbed bee --root=DIR [--yes] COMMAND [ARG]` with
//   maintenance-mode 0|1   state maintenance_mode = b:0;/b:1;, cached states dropped
//   disable NAME           system.status = 0, bootstrap caches dropped
//   enable NAME            system.status = 1, bootstrap caches dropped
//   cache-clear all        every cache table emptied
//   php-script FILE        runs FILE with php inside the site's bootstrap (bee's
//                          php-script); its exit status is php's
// on the Backdrop database named by CIVICRM_UF_DSN in DIR/civicrm.settings.php
// (table prefix from $database_prefix in settings.php).  Like bee it exits 0
// whatever happens; knobs:
//   CIVIUP_STANDIN_BEE_LIE=COMMAND   print success for COMMAND and change nothing
//   CIVIUP_STANDIN_BEE_LOG=FILE      append each command line
//   CIVIUP_STANDIN_BEE_BOOT_SECONDS=S  every command costs S seconds, as a
//                                    Backdrop bootstrap does (php-script: the
//                                    site's bootstrap.inc honours it)
namespace civiup::testbed {

int standin_bee_main(int argc, char** argv);

}  // namespace civiup::testbed
