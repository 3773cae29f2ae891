#!/usr/bin/python
# -*- coding: utf-8 -*-
# civiup.fleet.civiup_facts: `civiup status --json` as host facts.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: civiup_facts
short_description: Read a Backdrop site's CiviCRM versions, civiup journal and snapshots as facts
version_added: "1.0.0"
description:
  - Runs C(civiup status --json) on the managed host and returns it as the fact C(civiup), for
    inventories, reports and the conditions of later tasks. Read-only; works on a broken site (a part
    that cannot be read says why in its place).
author:
  - civiup authors
extends_documentation_fragment:
  - civiup.fleet.civiup
  - action_common_attributes
  - action_common_attributes.facts
attributes:
  facts:
    support: full
seealso:
  - module: civiup.fleet.civiup_upgrade
'''

EXAMPLES = r'''
- name: Read the site's versions and civiup state
  civiup.fleet.civiup_facts:
    root: /var/www/example.org

- name: Report sites whose last civiup run is unfinished
  ansible.builtin.debug:
    msg: "{{ civiup.journal.next_action }}"
  when: civiup.journal and not civiup.journal.finished
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to the host's variables.
  returned: always
  type: dict
  contains:
    civiup:
      description: The object of C(civiup status --json).
      returned: always
      type: dict
      contains:
        code_version:
          description: The CiviCRM version of C(modules/civicrm), or C({"error"}) when unreadable.
          type: raw
          sample: 5.75.0
        db_version:
          description: C(civicrm_domain.version), or C({"error"}) when unreadable.
          type: raw
          sample: 5.75.0
        journal:
          description: null before any run, else the last run's transaction, id, state, finished, error and next_action.
          type: dict
        snapshots:
          description: The snapshots, newest first (id, created, kind, code_version, db_version, message).
          type: list
          elements: dict
        state_dir:
          description: The state directory.
          type: str
        state_dir_bytes:
          description: Its disk use.
          type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.civiup.fleet.plugins.module_utils.civiup import COMMON_ARGS, site_status


def main():
    module = AnsibleModule(argument_spec=dict(**COMMON_ARGS), supports_check_mode=True)
    status = site_status(module)
    for transient in ('stderr', 'ok', 'exit_code', 'error', 'civiup_seconds'):
        status.pop(transient, None)
    module.exit_json(changed=False, ansible_facts=dict(civiup=status))


if __name__ == '__main__':
    main()
