#!/usr/bin/python
# -*- coding: utf-8 -*-
# civiup.fleet.civiup_recover: finish a run a crash left unfinished.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: civiup_recover
short_description: Finish a civiup run that a crash left unfinished on a Backdrop site
version_added: "1.0.0"
description:
  - Runs C(civiup recover --json --yes) on the managed host. An interrupted upgrade or rollback (a
    crash, kill -9, a power cut) is rolled back if it stopped before its commit point and finished
    forward after it, deciding from the site's real state.
  - Idempotent. With no unfinished run it changes nothing and reports C(changed=false).
  - In check mode it reads C(civiup status) and reports whether there is a run to finish.
  - An interrupted run that recovery rolls back (civiup's exit code 0 with C(recovered=rolled_back))
    is a success of this task, with C(rolled_back=true), since the site is then as it was before that
    run. Exit code 3 fails the task
    with civiup's advice in C(msg).
author:
  - civiup authors
extends_documentation_fragment:
  - civiup.fleet.civiup
  - action_common_attributes
seealso:
  - module: civiup.fleet.civiup_facts
'''

EXAMPLES = r'''
- name: Finish whatever a crash left unfinished
  civiup.fleet.civiup_recover:
    root: /var/www/example.org
'''

RETURN = r'''
phases:
  description: Each phase civiup finished or undid, with its status and duration.
  returned: always
  type: list
  elements: dict
rolled_back:
  description: True when the interrupted run was rolled back (the site is as before it).
  returned: always
  type: bool
outcome:
  description: The run's outcome after recovery (rolled-back or committed).
  returned: when there was a run to finish
  type: str
next_action:
  description: In check mode, or on exit code 3, what civiup says is left to do.
  returned: when there is a run to finish
  type: str
civiup_seconds:
  description: The seconds civiup itself took (to tell civiup's time from Ansible's and the module's).
  returned: when civiup ran
  type: float
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.civiup.fleet.plugins.module_utils.civiup import (
    COMMON_ARGS, EXIT_ROLLED_BACK, finish_transaction, run_civiup, site_status, transaction_fields)


def main():
    module = AnsibleModule(argument_spec=dict(**COMMON_ARGS), supports_check_mode=True)
    status = site_status(module)
    journal = status.get('journal')
    unfinished = isinstance(journal, dict) and journal.get('finished') is False
    if not unfinished:
        module.exit_json(changed=False, rolled_back=False, phases=[], maintenance_seconds=0,
                         msg='nothing to recover')
    if module.check_mode:
        module.exit_json(changed=True, rolled_back=False, phases=[], maintenance_seconds=0,
                         next_action=journal.get('next_action'),
                         msg='would finish the interrupted %s %s' % (journal.get('transaction'), journal.get('id')))
    rc, result, cmd = run_civiup(module, 'recover', [], confirm=True)
    # civiup recover exits 0 whenever it left the site consistent, and says
    # which way in "recovered": rolled back, the site is as before that run,
    # which is what recovery is for.  (Older builds said it with exit 1.)
    if (rc == 0 and result.get('recovered') == 'rolled_back') or rc == EXIT_ROLLED_BACK:
        fields = transaction_fields(result)
        # No rc key: Ansible fails any result whose rc is not 0.
        module.exit_json(changed=True, rolled_back=True, cmd=cmd,
                         msg='rolled the interrupted %s back: the site is as before it' % journal.get('transaction'),
                         **fields)
    finish_transaction(module, rc, result, cmd,
                       lambda f: 'finished the interrupted run: %s' % (f['outcome'] or 'recovered'))

if __name__ == '__main__':
    main()
