# A test-only Ansible callback: every host's result of every task as one JSON
# line in $CIVIUP_FLEET_RESULTS, with the seconds from the task's start on
# that host to its result (what the module costs as the controller sees it).
# Debian's ansible-core has no json callback (that is community.general's).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r'''
name: fleet_results
type: aggregate
short_description: write each host's task results as JSON lines (civiup's fleet test)
description:
  - Appends one JSON object per host and task to the file named by CIVIUP_FLEET_RESULTS.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fleet_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._path = os.environ['CIVIUP_FLEET_RESULTS']
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _record(self, result, status):
        host = result._host.get_name()
        start = self._started.pop((host, result._task._uuid), None)
        entry = dict(host=host, task=result._task.get_name(), status=status,
                     seconds=None if start is None else time.monotonic() - start,
                     result=result._result)
        with open(self._path, 'a') as out:
            out.write(json.dumps(entry, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')
