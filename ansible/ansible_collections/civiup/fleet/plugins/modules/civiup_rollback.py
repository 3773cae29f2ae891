#!/usr/bin/python
# -*- coding: utf-8 -*-
# civiup.fleet.civiup_rollback: one site's code and both databases back to a snapshot.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: civiup_rollback
short_description: Roll a Backdrop site's CiviCRM back to its pre-upgrade snapshot with civiup
version_added: "1.0.0"
description:
  - Runs C(civiup rollback --json --yes) on the managed host. The code and both databases return to
    the newest pre-upgrade snapshot (or I(to)), as one journaled transaction that restores the site
    as it was if it fails.
  - Idempotent. When the site's code and database are already at the snapshot's versions and no run
    is unfinished, nothing runs and the task reports C(changed=false).
  - In check mode it reads C(civiup status) and reports whether the site would be rolled back.
  - Exit codes are mapped as for civiup.fleet.civiup_upgrade; 1 is C(failed) with C(rolled_back=true)
    (the rollback itself was undone, so the site is as before the rollback), 3 is C(failed) with civiup's
    advice in C(msg).
author:
  - civiup authors
options:
  to:
    description: The snapshot id (or a unique prefix) to return to. Default is the newest pre-upgrade snapshot.
    type: str
  discard_changes:
    description:
      - Roll back although rows or files were written since the upgrade (C(civiup rollback --discard-changes)).
        Without it, such a site fails with civiup's report of what would be discarded, and nothing changes.
      - civiup keeps what it replaces as a C(pre-rollback) snapshot either way.
    type: bool
    default: false
extends_documentation_fragment:
  - civiup.fleet.civiup
  - action_common_attributes
notes:
  - Rows and files written since the upgrade are replaced by the snapshot's; civiup keeps what it
    replaces as a snapshot of its own, so a rollback can itself be undone with C(civiup restore).
seealso:
  - module: civiup.fleet.civiup_upgrade
  - module: civiup.fleet.civiup_facts
'''

EXAMPLES = r'''
- name: Return the site to the snapshot taken before its last upgrade
  civiup.fleet.civiup_rollback:
    root: /var/www/example.org

- name: Return the site to a named snapshot
  civiup.fleet.civiup_rollback:
    root: /var/www/example.org
    to: 47d4b1ad77
'''

RETURN = r'''
from_version:
  description: The CiviCRM code version before the rollback.
  returned: always
  type: str
  sample: 5.75.0
to_version:
  description: The code version of the snapshot returned (or, in check mode, to be returned) to.
  returned: always
  type: str
  sample: 5.74.0
phases:
  description: Each phase civiup ran, with its status and duration.
  returned: always
  type: list
  elements: dict
maintenance_seconds:
  description: How long the site was in maintenance mode.
  returned: always
  type: float
snapshot:
  description: The id of the snapshot restored (or to be restored).
  returned: always
  type: str
rolled_back:
  description: True when the rollback failed and civiup undid it (exit code 1).
  returned: always
  type: bool
exit_code:
  description: civiup's exit code (0, 1, 2 or 3).
  returned: when civiup ran the rollback
  type: int
next_action:
  description: What civiup says to do when it could not finish (exit code 3).
  returned: on exit code 3
  type: str
civiup_seconds:
  description: The seconds civiup itself took (to tell civiup's time from Ansible's and the module's).
  returned: when civiup ran
  type: float
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.civiup.fleet.plugins.module_utils.civiup import (
    COMMON_ARGS, at_version, finish_transaction, run_civiup, site_status)


def chosen_snapshot(status, to):
    """The snapshot civiup rollback would pick: `to` by id prefix, else the newest pre-upgrade one."""
    snapshots = status.get('snapshots')
    if not isinstance(snapshots, list):
        return None
    for snapshot in snapshots:  # newest first
        if to and snapshot.get('id', '').startswith(to):
            return snapshot
        if not to and snapshot.get('kind') == 'pre-upgrade':
            return snapshot
    return None


def main():
    module = AnsibleModule(argument_spec=dict(to=dict(type='str'), discard_changes=dict(type='bool', default=False),
                                           **COMMON_ARGS), supports_check_mode=True)
    status = site_status(module)
    target = chosen_snapshot(status, module.params['to'])
    if target and target.get('code_version') == target.get('db_version') and at_version(status, target['code_version']):
        module.exit_json(changed=False, rolled_back=False, from_version=status.get('code_version'),
                         to_version=target['code_version'], snapshot=target['id'], phases=[], maintenance_seconds=0,
                         msg='already at snapshot %s (CiviCRM %s)' % (target['id'][:12], target['code_version']))
    if module.check_mode:
        if target is None:
            module.fail_json(changed=False, rolled_back=False, msg='civiup: error: state directory %s: no snapshot to '
                             'roll back to' % status.get('state_dir'))
        module.exit_json(changed=True, rolled_back=False, from_version=status.get('code_version'),
                         to_version=target.get('code_version'), snapshot=target['id'], phases=[],
                         maintenance_seconds=0, msg='would roll CiviCRM %s back to %s (snapshot %s)' % (
                             status.get('code_version'), target.get('code_version'), target['id'][:12]))
    args = ['--to', module.params['to']] if module.params['to'] else []
    if module.params['discard_changes']:
        args.append('--discard-changes')
    rc, result, cmd = run_civiup(module, 'rollback', args, confirm=True)
    finish_transaction(module, rc, result, cmd,
                       lambda f: 'rolled CiviCRM %s back to %s (snapshot %s)' % (
                           f['from_version'], f['to_version'], (f['snapshot'] or '?')[:12]),
                       from_version=status.get('code_version') if isinstance(status.get('code_version'), str) else None)


if __name__ == '__main__':
    main()
