#!/usr/bin/env python3
"""The fleet test (issue 19): the civiup.fleet collection end to end.

Four generated sites on the private MariaDB of scripts/test, each an
inventory host with ansible_connection local and its own root, databases and
state directory; Debian's ansible-playbook runs the collection's playbooks
with the built civiup and the stand-in DB upgrader.  Scenario:

  1. check mode upgrades nothing anywhere;
  2. the roll-out, batches 1 / 10% / 100%, with site2's DB upgrade failing:
     site1 (canary) upgraded, site2 failed and exactly as before, site3 and
     site4 (the later batch) untouched;
  3. the cause fixed, a second run upgrades site2..4, site1 changed=false;
  4. the rollback play returns every site to its pre-upgrade state;
  5. site3's upgrade fails and undoing its swap fails too (civiup exit 3):
     the task fails with civiup's advice; the recover play rolls it back, the
     other sites report changed=false.

Each upgrade is health-checked over HTTP (civiup's own check, --url from the
inventory) against a small server here that records the requests.  Prints
the wall time and the module's overhead per site over civiup's own time.
A failing run keeps its work directory and says where.
"""

import argparse
import hashlib
import http.server
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

HOSTS = ['site1', 'site2', 'site3', 'site4']
FROM_VERSION, TO_VERSION = '5.74.0', '5.75.0'
FAILING_HOST = 'site2'  # alone in the second batch: 10% of 4 hosts is 1
FAIL_KNOB = 'CIVIUP_STANDIN_FAIL_AT=change-rows'


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def run(argv, env=None, check=True):
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and done.returncode != 0:
        raise Failure('%s exited %d:\n%s\n%s' % (' '.join(argv), done.returncode, done.stdout, done.stderr))
    return done


# ---- the site's state, as the C++ end-to-end tests compare it -----------------

def tree_fingerprint(root, skip_compiled_templates=False):
    """path -> mode uid:gid size sha1 (or the symlink's target) of every entry."""
    entries = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            if skip_compiled_templates and 'templates_c/' in relative:
                continue
            info = os.lstat(path)
            what = '%o %d:%d' % (info.st_mode, info.st_uid, info.st_gid)
            if stat.S_ISLNK(info.st_mode):
                what += ' -> ' + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                with open(path, 'rb') as f:
                    what += ' %d %s' % (info.st_size, hashlib.sha1(f.read()).hexdigest())
            entries[relative] = what
    return entries


def mariadb(sql):
    env = dict(os.environ, MYSQL_PWD=os.environ.get('CIVIUP_TEST_MYSQL_PASSWORD', ''))
    argv = ['mariadb', '--protocol=tcp', '-h', os.environ['CIVIUP_TEST_MYSQL_HOST'],
            '-P', os.environ['CIVIUP_TEST_MYSQL_PORT'], '-u', os.environ['CIVIUP_TEST_MYSQL_USER'],
            '--default-character-set=utf8mb4', '-N', '-B', '-e', sql]
    return run(argv, env=env).stdout


def database_fingerprint(database):
    """Columns, indexes, triggers, routines, views and CHECKSUM TABLE of every non-cache table."""
    tables = mariadb("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='%s' "
                     "AND TABLE_TYPE='BASE TABLE' ORDER BY 1" % database).split()
    # Caches are flushed by an upgrade on purpose and not brought back by a rollback.
    data = [t for t in tables if not (t == 'cache' or t.startswith('cache_') or '_cache' in t)]
    sql = ("SELECT 'column', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, 'NULL'), EXTRA "
           "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='{0}' ORDER BY TABLE_NAME, ORDINAL_POSITION; "
           "SELECT 'index', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM "
           "information_schema.STATISTICS WHERE TABLE_SCHEMA='{0}' ORDER BY 2, 3, 4; "
           "SELECT 'trigger', TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT "
           "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='{0}' ORDER BY 2; "
           "SELECT 'routine', ROUTINE_TYPE, ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES "
           "WHERE ROUTINE_SCHEMA='{0}' ORDER BY 3; "
           "SELECT 'view', TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA='{0}' "
           "ORDER BY 2; ").format(database)
    if data:
        sql += 'CHECKSUM TABLE %s EXTENDED;' % ', '.join('`%s`.`%s`' % (database, t) for t in data)
    return {'%s %d' % (database, i): line for i, line in enumerate(mariadb(sql).splitlines())}


class Site:
    def __init__(self, work, name):
        self.name = name
        self.root = os.path.join(work, 'www', name)
        self.state_dir = os.path.join(work, 'state', name)
        self.backdrop_db = 'fleet_%s_backdrop' % name
        self.civicrm_db = 'fleet_%s_civicrm' % name

    def fingerprint(self, skip_compiled_templates=False):
        state = tree_fingerprint(self.root, skip_compiled_templates)
        state.update(database_fingerprint(self.backdrop_db))
        state.update(database_fingerprint(self.civicrm_db))
        return state

    def versions(self, civiup):
        out = run([civiup, '--json', '--state-dir', self.state_dir, 'status', '--root', self.root]).stdout
        status = json.loads(out)
        return status['code_version'], status['db_version']


def differences(before, after, limit=8):
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            lines.append('  %s: %s -> %s' % (key, before.get(key, '(absent)'), after.get(key, '(absent)')))
    return '\n'.join(lines[:limit]) + ('\n  ... and %d more' % (len(lines) - limit) if len(lines) > limit else '')


def expect_same(site, before, after, when):
    expect(before == after, '%s: %s is not as before:\n%s' % (when, site.name, differences(before, after)))


# ---- the HTTP side of civiup's health check -----------------------------------

class HealthServer:
    """Answers 200 to every GET and records the paths, so the test sees which sites were checked."""

    def __init__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                requests.append(self.path)
                body = b'<html>ok</html>'
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]

    def checked(self, name):
        return any(path.startswith('/%s/' % name) for path in self.requests)


# ---- ansible -----------------------------------------------------------------

class Fleet:
    def __init__(self, args, work, sites, health):
        self.args, self.work, self.sites, self.health = args, work, sites, health
        self.inventory = os.path.join(work, 'inventory.yml')
        self.playbooks = os.path.join(args.collections, 'ansible_collections', 'civiup', 'fleet', 'playbooks')
        self.runs = []

    def write_inventory(self, failing=None):
        upgrader = '%s upgrade-db --no-interaction' % self.args.testbed
        lines = ['civiup_sites:', '  hosts:']
        for site in self.sites:
            knob = FAIL_KNOB + ' ' if site.name == failing else ''
            lines += ['    %s:' % site.name,
                      '      civiup_root: %s' % site.root,
                      '      civiup_state_dir: %s' % site.state_dir,
                      '      civiup_url: %s/%s' % (self.health.url, site.name),
                      '      civiup_db_upgrade: %s' % json.dumps(knob + upgrader)]
        lines += ['  vars:',
                  '    ansible_connection: local',
                  # Debian's python3, as ansible-core itself runs on it (a pyenv python may come first on PATH).
                  '    ansible_python_interpreter: %s' % ('/usr/bin/python3' if os.path.exists('/usr/bin/python3')
                                                          else sys.executable),
                  '    civiup_binary: %s' % self.args.civiup,
                  '    civiup_release: %s' % os.path.join(self.work, 'releases', 'civicrm-%s-backdrop.tar.gz' % TO_VERSION)]
        with open(self.inventory, 'w') as f:
            f.write('\n'.join(lines) + '\n')

    def play(self, playbook, *extra, env=None):
        """Runs a playbook; returns (exit code, {host: {task name: (status, result, seconds)}}, seconds)."""
        label = '%d-%s' % (len(self.runs) + 1, playbook.replace('.yml', ''))
        results_file = os.path.join(self.work, label + '.results')
        env = dict(os.environ,
                   ANSIBLE_COLLECTIONS_PATH=self.args.collections,
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='fleet_results',
                   ANSIBLE_LOCAL_TEMP=os.path.join(self.work, 'ansible-tmp'),
                   ANSIBLE_REMOTE_TEMP=os.path.join(self.work, 'ansible-tmp'),
                   ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_NOCOLOR='1', ANSIBLE_FORKS='4', ANSIBLE_PIPELINING='True',
                   CIVIUP_FLEET_RESULTS=results_file, **(env or {}))
        started = time.monotonic()
        done = run(['ansible-playbook', '-i', self.inventory, os.path.join(self.playbooks, playbook)] + list(extra),
                   env=env, check=False)
        seconds = time.monotonic() - started
        with open(os.path.join(self.work, label + '.log'), 'w') as f:
            f.write(done.stdout + done.stderr)
        per_host = {}
        if os.path.exists(results_file):
            with open(results_file) as f:
                for line in f:
                    entry = json.loads(line)
                    per_host.setdefault(entry['host'], {})[entry['task']] = (entry['status'], entry['result'],
                                                                             entry['seconds'])
                    if entry['task'].startswith('Summary of the fleet'):
                        per_host['last summary'] = entry['result'].get('msg')
        self.runs.append((label, seconds))
        print('%s: exit %d in %.1f s (output: %s.log)' % (label, done.returncode, seconds, label))
        return done.returncode, per_host, done.stdout


UPGRADE_TASK = 'Upgrade CiviCRM (rolled back on any failure)'
ROLLBACK_TASK = 'Roll CiviCRM back to the pre-upgrade snapshot'


def task_result(results, host, task):
    expect(host in results and task in results[host], '%s: no result for task %r' % (host, task))
    return results[host][task]


def scenario(args, work):
    started = time.monotonic()
    for tool in ('ansible-playbook', 'mariadb'):
        expect(shutil.which(tool), '%s: not found on PATH (scripts/setup installs it)' % tool)
    for name in ('CIVIUP_TEST_MYSQL_HOST', 'CIVIUP_TEST_MYSQL_PORT', 'CIVIUP_TEST_MYSQL_USER'):
        expect(os.environ.get(name), '%s is not set: run this test through scripts/test' % name)

    sites = [Site(work, name) for name in HOSTS]
    run([args.testbed, 'release', '--out', os.path.join(work, 'releases'), '--version', TO_VERSION])
    # Two at a time: the site generator is mostly DDL on one server.
    for pair in (sites[:2], sites[2:]):
        jobs = [subprocess.Popen([args.testbed, 'site', '--root', s.root, '--version', FROM_VERSION,
                                  '--backdrop-db', s.backdrop_db, '--civicrm-db', s.civicrm_db],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for s in pair]
        for job in jobs:
            _, err = job.communicate()
            expect(job.returncode == 0, 'civiup-testbed site failed: %s' % err)
    os.makedirs(os.path.join(work, 'state'))
    original = {s.name: s.fingerprint() for s in sites}
    print('sites ready after %.1f s' % (time.monotonic() - started))

    health = HealthServer()
    fleet = Fleet(args, work, sites, health)

    # 1. Check mode: every site would be upgraded, nothing changes anywhere.
    fleet.write_inventory(failing=FAILING_HOST)
    code, results, _ = fleet.play('upgrade-fleet.yml', '--check')
    expect(code == 0, 'check mode run exited %d' % code)
    for site in sites:
        status, result, _ = task_result(results, site.name, UPGRADE_TASK)
        expect(status == 'ok' and result.get('changed') and result.get('to_version') == TO_VERSION,
               '%s: check mode should say it would upgrade to %s: %s' % (site.name, TO_VERSION, result))
        expect_same(site, original[site.name], site.fingerprint(), 'check mode')
        written = os.listdir(site.state_dir) if os.path.isdir(site.state_dir) else []
        expect(not written, '%s: check mode wrote into the state directory: %s' % (site.name, written))
    expect(not health.requests, 'check mode made HTTP requests: %s' % health.requests)

    # 2. The roll-out; site2's DB upgrade fails in the second batch.
    code, results, _ = fleet.play('upgrade-fleet.yml')
    expect(code != 0, 'a roll-out with a failed site must exit non-zero')
    status, canary, first_seconds = task_result(results, 'site1', UPGRADE_TASK)
    expect(status == 'ok' and canary['changed'] and canary['to_version'] == TO_VERSION,
           'site1 (canary) should be upgraded: %s' % canary)
    expect(sites[0].versions(args.civiup) == (TO_VERSION, TO_VERSION), 'site1 is not at %s' % TO_VERSION)
    expect(health.checked('site1'), 'site1 was not health-checked over HTTP')
    status, failed, _ = task_result(results, FAILING_HOST, UPGRADE_TASK)
    expect(status == 'failed' and failed.get('rolled_back') is True and failed.get('exit_code') == 1,
           '%s should fail with rolled_back: %s' % (FAILING_HOST, failed))
    expect(failed['msg'].startswith('civiup: error: ') and '\n' not in failed['msg'] and 'change-rows' in failed['msg'],
           '%s: msg should be civiup\'s one-line error naming the failed step: %r' % (FAILING_HOST, failed['msg']))
    expect_same(sites[1], original[FAILING_HOST], sites[1].fingerprint(), 'after its failed upgrade')
    for site in sites[2:]:
        expect(site.name not in results, '%s (a later batch) was run: %s' % (site.name, results.get(site.name)))
        expect_same(site, original[site.name], site.fingerprint(), 'later batch after the failure')
        expect(not os.path.exists(os.path.join(site.state_dir, 'journal.json')),
               '%s: civiup ran a transaction (its state dir has a journal)' % site.name)
    summary = results.get('last summary') or []
    expect(len(summary) == 4 and 'FAILED, rolled back: civiup: error: ' in summary[1] and 'not reached' in summary[2],
           'the summary should cover every host: %s' % summary)

    # 3. The cause fixed: the rest is upgraded, the canary reports changed=false.
    fleet.write_inventory(failing=None)
    code, results, _ = fleet.play('upgrade-fleet.yml')
    expect(code == 0, 'the second roll-out exited %d' % code)
    status, again, again_seconds = task_result(results, 'site1', UPGRADE_TASK)
    expect(status == 'ok' and again['changed'] is False, 'site1 should report changed=false: %s' % again)
    upgraded = {}
    for site in sites[1:]:
        status, result, seconds = task_result(results, site.name, UPGRADE_TASK)
        expect(status == 'ok' and result['changed'] and result['from_version'] == FROM_VERSION
               and result['to_version'] == TO_VERSION and result['snapshot'] and result['phases'],
               '%s should be upgraded: %s' % (site.name, result))
        expect(site.versions(args.civiup) == (TO_VERSION, TO_VERSION), '%s is not at %s' % (site.name, TO_VERSION))
        expect(health.checked(site.name), '%s was not health-checked over HTTP' % site.name)
        upgraded[site.name] = (result, seconds)
    summary = results.get('last summary') or []
    expect(len(summary) == 4 and 'unchanged' in summary[0]
           and all(('%s -> %s, window' % (FROM_VERSION, TO_VERSION)) in line and line.endswith('upgraded')
                   for line in summary[1:]),
           'the summary should show every host upgraded: %s' % summary)

    # 4. Roll the fleet back: every site as before the upgrade.
    code, results, _ = fleet.play('rollback-fleet.yml')
    expect(code == 0, 'the rollback run exited %d' % code)
    for site in sites:
        status, result, _ = task_result(results, site.name, ROLLBACK_TASK)
        expect(status == 'ok' and result['changed'] and result['to_version'] == FROM_VERSION,
               '%s should be rolled back: %s' % (site.name, result))
        before = {k: v for k, v in original[site.name].items() if 'templates_c/' not in k}
        expect_same(site, before, site.fingerprint(skip_compiled_templates=True), 'after the rollback')

    summary = results.get('last summary') or []
    expect(len(summary) == 4 and all(line.endswith('rolled back') for line in summary),
           'the rollback summary should show every host rolled back: %s' % summary)

    # 5. site3's upgrade fails and so does undoing its swap (civiup exit 3):
    #    the task says what to do; the recover play finishes the rollback and
    #    leaves the other sites alone.
    crashed = sites[2]
    before_crash = crashed.fingerprint()
    fleet.write_inventory(failing=crashed.name)
    code, results, _ = fleet.play('upgrade-fleet.yml', '--limit', crashed.name, env={'CIVIUP_FAULT': 'swap-code:undo'})
    expect(code != 0, 'a run that could not roll back must exit non-zero')
    status, result, _ = task_result(results, crashed.name, UPGRADE_TASK)
    expect(status == 'failed' and result.get('exit_code') == 3 and result.get('rolled_back') is False
           and 'NOT fully rolled back' in result['msg'] and 'civiup recover' in result.get('next_action', ''),
           '%s: exit 3 should fail with civiup\'s advice: %s' % (crashed.name, result))
    fleet.write_inventory(failing=None)
    code, results, _ = fleet.play('recover-fleet.yml')
    expect(code == 0, 'the recover run exited %d' % code)
    for site in sites:
        status, result, _ = task_result(results, site.name, 'Finish the interrupted run')
        want = site is crashed
        expect(status == 'ok' and result['changed'] == want and result['rolled_back'] == want,
               '%s: recover should %s: %s' % (site.name, 'roll the crashed run back' if want else 'change nothing', result))
    expect_same(crashed, before_crash, crashed.fingerprint(), 'after the failed rollback and the recover play')

    # Figures: the module's time per site beyond civiup's own (status, the
    # release's version, Ansible's module transfer and start).
    overheads = ['%s %.2f s' % (name, seconds - result['civiup_seconds']) for name, (result, seconds) in upgraded.items()]
    print('module overhead per upgraded site (task time - civiup upgrade time): ' + ', '.join(overheads))
    print('canary upgrade task %.2f s (civiup %.2f s); already-upgraded site task %.2f s (no civiup upgrade run)'
          % (first_seconds, canary['civiup_seconds'], again_seconds))
    print('playbook runs: ' + ', '.join('%s %.1f s' % run for run in fleet.runs))
    print('scenario wall time: %.1f s' % (time.monotonic() - started))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--civiup', required=True)
    parser.add_argument('--testbed', required=True)
    parser.add_argument('--collections', required=True, help='the directory holding ansible_collections/')
    args = parser.parse_args()
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix='civiup-fleet.', dir=os.environ.get('CIVIUP_TEST_TMP'))
    try:
        scenario(args, work)
    except Failure as failure:
        print('FAILED: %s\nkept %s (playbook output in its *.log files) and the databases fleet_site*' % (failure, work))
        return 1
    if os.environ.get('CIVIUP_KEEP_TMP'):
        print('kept %s (CIVIUP_KEEP_TMP)' % work)
    else:
        # The databases fleet_site* stay: the server is scripts/test's private
        # one, thrown away with its data (dropping them took 16 s here).  Under
        # scripts/test the work dir goes with its temp dir too (rmtree of the
        # four sites' state directories took 13 s here).
        if not os.environ.get('CIVIUP_TEST_TMP'):
            shutil.rmtree(work, ignore_errors=True)
    print('fleet test wall time with cleanup: %.1f s' % (time.monotonic() - started))
    print('PASSED')
    return 0


if __name__ == '__main__':
    sys.exit(main())
