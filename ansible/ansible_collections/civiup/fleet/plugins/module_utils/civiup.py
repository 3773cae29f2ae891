# -*- coding: utf-8 -*-
# Shared by the civiup.fleet modules: find civiup, run it with --json, and map
# its exit codes (0 done, 1 failed and rolled back, 2 refused, 3 not fully
# rolled back) onto Ansible's changed/failed/msg contract.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import tarfile
import time

# The options every module takes to find civiup and the site.
COMMON_ARGS = dict(
    root=dict(type='path', required=True),
    state_dir=dict(type='path'),
    civiup=dict(type='path'),
)

EXIT_ROLLED_BACK = 1
EXIT_REFUSED = 2
EXIT_INCOMPLETE = 3


def civiup_binary(module):
    """The civiup parameter, else civiup on PATH (a one-line failure without it)."""
    if module.params.get('civiup'):
        return module.params['civiup']
    path = module.get_bin_path('civiup')
    if not path:
        module.fail_json(msg='civiup: error: civiup: not found on PATH; install the civiup package '
                             'or give the civiup parameter')
    return path


def run_civiup(module, command, args, confirm=False):
    """Runs `civiup --json [--yes] [--state-dir D] COMMAND --root R ARGS`.

    Returns (rc, result, cmd): result is civiup's one JSON object (an empty
    dict when it printed none, e.g. when it was killed)."""
    cmd = [civiup_binary(module), '--json']
    if confirm:
        cmd.append('--yes')
    if module.params.get('state_dir'):
        cmd += ['--state-dir', module.params['state_dir']]
    cmd += [command, '--root', module.params['root']] + list(args)
    started = time.monotonic()
    rc, out, err = module.run_command(cmd)
    seconds = time.monotonic() - started
    result = {}
    for line in reversed(out.splitlines()):
        if line.startswith('{'):
            try:
                result = json.loads(line)
            except ValueError:
                continue
            break
    if not result:
        result = {'ok': False, 'exit_code': rc, 'error': last_error_line(err) or 'printed no JSON (exit %d)' % rc}
    result['stderr'] = err
    result['civiup_seconds'] = round(seconds, 3)
    return rc, result, cmd


def last_error_line(stderr):
    """civiup's one-line error from its stderr, without the 'civiup: error: ' prefix."""
    for line in reversed(stderr.splitlines()):
        if line.startswith('civiup: error: '):
            return line[len('civiup: error: '):]
    return ''


def error_message(result):
    """The error as civiup prints it: one line 'civiup: error: <object>: <cause>'."""
    return 'civiup: error: %s' % (result.get('error') or last_error_line(result.get('stderr', '')) or 'unknown error')


def site_status(module):
    """`civiup status --json`: versions, journal, snapshots. Fails the task if status itself fails."""
    rc, result, cmd = run_civiup(module, 'status', [])
    if rc != 0:
        module.fail_json(msg=error_message(result), rc=rc, cmd=cmd, changed=False)
    return result


def at_version(status, version):
    """True when code and database are both at version and no run is unfinished."""
    journal = status.get('journal')
    unfinished = isinstance(journal, dict) and journal.get('finished') is False
    return not unfinished and status.get('code_version') == version and status.get('db_version') == version


_VERSION_PHP = re.compile(r"""['"]version['"]\s*=>\s*['"]([^'"]+)['"]""")


def release_version(path):
    """The version in civicrm/civicrm-version.php of a release tarball, or None.

    Read as a stream and stopped at that entry, so a large tarball is not read
    to its end when the file comes early. civiup itself verifies the tarball;
    this is only to know whether the site is already there."""
    try:
        with tarfile.open(path, 'r|*') as archive:
            for entry in archive:
                if entry.name.lstrip('./') == 'civicrm/civicrm-version.php' and entry.isfile():
                    text = archive.extractfile(entry).read(65536).decode('utf-8', 'replace')
                    match = _VERSION_PHP.search(text)
                    return match.group(1) if match else None
    except (OSError, tarfile.TarError, EOFError):
        return None
    return None


_RELEASE_NAME = re.compile(r'^civicrm-(\d+\.\d+\.\d+)-backdrop\.tar\.(gz|bz2|xz|zst)$')


def release_name_version(path):
    """The X.Y.Z of a file named civicrm-X.Y.Z-backdrop.tar.*, or None."""
    match = _RELEASE_NAME.match(path.rsplit('/', 1)[-1])
    return match.group(1) if match else None


def transaction_fields(result):
    """The fields of an upgrade/rollback/recover JSON object that a task returns."""
    snapshot = result.get('snapshot') or {}
    return dict(
        exit_code=result.get('exit_code'),
        outcome=result.get('outcome'),
        phases=result.get('phases', []),
        maintenance_seconds=result.get('maintenance_seconds', 0),
        snapshot=snapshot.get('id') if isinstance(snapshot, dict) else snapshot,
        from_version=result.get('from_version'),
        from_db_version=result.get('from_db_version'),
        to_version=result.get('to_version'),
        missing_modules=result.get('missing_modules', []),
        log=result.get('log'),
        civiup_seconds=result.get('civiup_seconds'),
    )


def finish_transaction(module, rc, result, cmd, done_msg, from_version=None):
    """exit_json/fail_json for a transaction (upgrade, rollback, recover) by civiup's exit code.

    from_version (the site's version read before) stands in when civiup
    refused before it reported one."""
    fields = transaction_fields(result)
    if not fields['from_version'] and from_version:
        fields['from_version'] = from_version
    fields.update(cmd=cmd, rc=rc, stderr=result.get('stderr', ''))
    if rc == 0:
        module.exit_json(changed=True, rolled_back=False, msg=done_msg(fields), **fields)
    if rc == EXIT_ROLLED_BACK:
        # Failed, and everything was restored: the site is as before.
        module.fail_json(changed=False, rolled_back=True, msg=error_message(result), **fields)
    if rc == EXIT_REFUSED:
        module.fail_json(changed=False, rolled_back=False, msg=error_message(result), **fields)
    # 3 (or killed): the site is not as before; civiup status says what to do.
    next_action = 'run civiup status, then civiup recover'
    try:
        _, status, _ = run_civiup(module, 'status', [])
        journal = status.get('journal')
        if isinstance(journal, dict) and journal.get('next_action'):
            next_action = journal['next_action']
    except Exception:  # status is advice here; the failure below is what matters
        pass
    module.fail_json(changed=True, rolled_back=False, next_action=next_action,
                     msg='%s; NOT fully rolled back: %s' % (error_message(result), next_action), **fields)
