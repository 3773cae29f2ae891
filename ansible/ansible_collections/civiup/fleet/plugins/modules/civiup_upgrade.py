#!/usr/bin/python
# -*- coding: utf-8 -*-
# civiup.fleet.civiup_upgrade: one site's CiviCRM upgrade as one transaction.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: civiup_upgrade
short_description: Upgrade CiviCRM on a Backdrop site as one transaction with civiup
version_added: "1.0.0"
description:
  - Runs C(civiup upgrade --json --yes) on the managed host. civiup snapshots the code and both
    databases, swaps the release in atomically, runs the database upgrade and verifies the site; on
    any failure it restores everything, so the site is either upgraded or exactly as before.
  - Idempotent. A site whose code and database are already at the target version is left alone and
    the task reports C(changed=false). The target is the version inside I(release), or I(version),
    or for I(latest) the version C(civiup check) finds. A tarball named C(civicrm-X.Y.Z-backdrop.tar.gz)
    for another version than the site's is not opened; otherwise its C(civicrm/civicrm-version.php)
    decides.
  - In check mode it runs C(civiup check), which changes nothing, and reports whether the site would
    be upgraded, or why civiup would refuse.
  - A failed upgrade that civiup rolled back (its exit code 1) fails the task with C(rolled_back=true)
    and civiup's one-line error. A refusal before anything changed (exit 2) fails it with
    C(changed=false). A failure civiup could not fully roll back (exit 3) fails it with civiup's
    advice on what to do next in C(msg) and C(next_action).
author:
  - civiup authors
options:
  release:
    description:
      - A C(civicrm-X.Y.Z-backdrop.tar.gz) on the managed host.
      - Exactly one of I(release), I(latest) and I(version) is given.
    type: path
  latest:
    description: Upgrade to the newest stable release (civiup C(--latest)).
    type: bool
  version:
    description: Upgrade to this release X.Y.Z, downloaded by civiup (civiup C(--version)).
    type: str
  l10n:
    description: A C(civicrm-X.Y.Z-l10n.tar.gz) unpacked over the release.
    type: path
  db_upgrade:
    description:
      - The database upgrade command line, run in the Backdrop root (civiup C(--db-upgrade)).
      - Default is C(cv upgrade:db), else C(drush civicrm-upgrade-db), whichever is on C(PATH).
      - Leading C(NAME=value) words set its environment.
    type: str
  db_upgrade_timeout:
    description: Seconds before the database upgrade is killed and everything rolled back.
    type: int
  url:
    description:
      - The site's base URL. Its front page and a CiviCRM page must answer over HTTP before civiup
        commits the upgrade (civiup's own health check); otherwise it rolls back.
    type: str
  quiesce_timeout:
    description: Seconds to wait, in maintenance mode, for the site's open transactions before the database snapshot.
    type: int
  discard_local_changes:
    description: Upgrade although files in C(modules/civicrm) changed since the last upgrade (they stay in the snapshot).
    type: bool
    default: false
extends_documentation_fragment:
  - civiup.fleet.civiup
  - action_common_attributes
notes:
  - civiup exit codes are 0 upgraded, 1 failed and rolled back, 2 refused, 3 not fully rolled back.
  - Run it with I(url) for a health check, and in a play with C(serial) and C(max_fail_percentage=0) so
    one failed site stops the roll-out; see C(civiup.fleet) playbook C(upgrade-fleet.yml).
seealso:
  - module: civiup.fleet.civiup_rollback
  - module: civiup.fleet.civiup_facts
'''

EXAMPLES = r'''
- name: Upgrade CiviCRM from a release tarball, checking the site over HTTP before committing
  civiup.fleet.civiup_upgrade:
    root: /var/www/example.org
    release: /srv/releases/civicrm-5.75.0-backdrop.tar.gz
    db_upgrade: cv upgrade:db --no-interaction
    url: https://example.org
  register: upgrade

- name: Upgrade to the newest stable release, as the site's owner
  civiup.fleet.civiup_upgrade:
    root: /var/www/example.org
    latest: true
  become: true
  become_user: www-data

- name: Show the maintenance window
  ansible.builtin.debug:
    msg: "{{ upgrade.from_version }} -> {{ upgrade.to_version }}: offline {{ upgrade.maintenance_seconds }} s"
'''

RETURN = r'''
from_version:
  description: The CiviCRM code version before the run.
  returned: always
  type: str
  sample: 5.74.0
to_version:
  description: The version the run went (or, in check mode, would go) to.
  returned: always
  type: str
  sample: 5.75.0
phases:
  description: Each phase civiup ran, with its status and duration; in check mode the planned phases.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "swap-code", "status": "done", "seconds": 0.003}]
maintenance_seconds:
  description: How long the site was in maintenance mode.
  returned: always
  type: float
  sample: 1.4
snapshot:
  description: The id of the pre-upgrade snapshot (what civiup.fleet.civiup_rollback returns to).
  returned: when civiup ran the upgrade
  type: str
  sample: 47d4b1ad77c1f0e5a5b0b9b0d2e4a7c3f9e1d2c4
rolled_back:
  description: True when the upgrade failed and civiup restored the site as it was (exit code 1).
  returned: always
  type: bool
exit_code:
  description: civiup's exit code (0, 1, 2 or 3).
  returned: when civiup ran the upgrade
  type: int
outcome:
  description: The journal's outcome of the run (committed, rolled-back, ...).
  returned: when civiup ran the upgrade
  type: str
next_action:
  description: What civiup says to do when it could not fully roll back (exit code 3).
  returned: on exit code 3
  type: str
log:
  description: civiup's log file of the run on the managed host.
  returned: when civiup ran the upgrade
  type: str
problems:
  description: In check mode, why civiup would refuse (empty when ready).
  returned: in check mode
  type: list
  elements: str
civiup_seconds:
  description: The seconds civiup itself took (to tell civiup's time from Ansible's and the module's).
  returned: when civiup ran
  type: float
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.civiup.fleet.plugins.module_utils.civiup import (
    COMMON_ARGS, at_version, error_message, finish_transaction, release_name_version, release_version, run_civiup,
    site_status)


def source_args(params):
    """--release FILE, --latest or --version X: exactly one."""
    given = [name for name in ('release', 'version') if params[name]] + (['latest'] if params['latest'] else [])
    if len(given) != 1:
        return None
    if params['release']:
        return ['--release', params['release']]
    if params['version']:
        return ['--version', params['version']]
    return ['--latest']


def check_args(params):
    """Options that civiup check and civiup upgrade both take."""
    args = []
    if params['l10n']:
        args += ['--l10n', params['l10n']]
    if params['db_upgrade']:
        args += ['--db-upgrade', params['db_upgrade']]
    if params['discard_local_changes']:
        args.append('--discard-local-changes')
    return args


def upgrade_args(params):
    args = check_args(params)
    for name in ('db_upgrade_timeout', 'quiesce_timeout'):
        if params[name] is not None:
            args += ['--' + name.replace('_', '-'), str(params[name])]
    if params['url']:
        args += ['--url', params['url']]
    return args


def unchanged(module, version, msg, **extra):
    module.exit_json(changed=False, rolled_back=False, from_version=version, to_version=version, phases=[],
                     maintenance_seconds=0, msg=msg, **extra)


def run_check(module, source):
    """civiup check: read-only. Returns (rc, result, cmd)."""
    return run_civiup(module, 'check', source + check_args(module.params))


def check_mode(module, source):
    rc, plan, cmd = run_check(module, source)
    target = plan.get('release_version')
    if target and plan.get('code_version') == target and plan.get('db_version') == target:
        unchanged(module, target, 'already at CiviCRM %s' % target, problems=[], cmd=cmd)
    if rc != 0 or not plan.get('ready'):
        module.fail_json(changed=False, rolled_back=False, msg=error_message(plan), problems=plan.get('problems', []),
                         from_version=plan.get('code_version'), to_version=target, rc=rc, cmd=cmd)
    phases = [dict(name=name, status='planned', seconds=0) for name in plan.get('phases', [])]
    module.exit_json(changed=True, rolled_back=False, from_version=plan.get('code_version'), to_version=target,
                     phases=phases, maintenance_seconds=0, problems=[], notes=plan.get('notes', []),
                     integration_modules=plan.get('integration_modules', []), cmd=cmd,
                     msg='would upgrade CiviCRM %s to %s' % (plan.get('code_version'), target))


def already_there(module, source, status):
    """The target version when the site is already at it, else None.

    For a release tarball whose name gives another version than the site's,
    the tarball is not opened (the common case costs nothing); when the name
    matches, or says nothing, its civicrm-version.php decides."""
    params = module.params
    site = status.get('code_version')
    if params['version']:
        target = params['version']
    elif params['release']:
        named = release_name_version(params['release'])
        if named and named != site:
            return None
        target = release_version(params['release'])
    else:
        _, plan, _ = run_check(module, source)  # latest: civiup knows the feed
        target = plan.get('release_version')
    return target if target and at_version(status, target) else None


def main():
    argument_spec = dict(
        release=dict(type='path'),
        latest=dict(type='bool'),
        version=dict(type='str'),
        l10n=dict(type='path'),
        db_upgrade=dict(type='str'),
        db_upgrade_timeout=dict(type='int'),
        url=dict(type='str'),
        quiesce_timeout=dict(type='int'),
        discard_local_changes=dict(type='bool', default=False),
        **COMMON_ARGS
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    source = source_args(module.params)
    if source is None:
        module.fail_json(msg='civiup: error: civiup_upgrade: give exactly one of release, latest or version')
    if module.check_mode:
        check_mode(module, source)

    status = site_status(module)
    target = already_there(module, source, status)
    if target:
        unchanged(module, target, 'already at CiviCRM %s' % target, snapshot=None)
    rc, result, cmd = run_civiup(module, 'upgrade', source + upgrade_args(module.params), confirm=True)
    finish_transaction(module, rc, result, cmd,
                       lambda f: 'upgraded CiviCRM %s to %s (offline %.1f s)' % (
                           f['from_version'], f['to_version'], f['maintenance_seconds'] or 0),
                       from_version=status.get('code_version') if isinstance(status.get('code_version'), str) else None)


if __name__ == '__main__':
    main()
