// civiup: upgrade CiviCRM on a Backdrop CMS site as one transaction.
#include "civiup/cli/cli.hpp"

int main(int argc, char** argv) { return civiup::run_cli(argc, argv); }
