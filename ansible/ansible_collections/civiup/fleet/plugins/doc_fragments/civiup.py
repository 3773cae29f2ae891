# -*- coding: utf-8 -*-
# The options every civiup.fleet module takes (module_utils/civiup.py COMMON_ARGS):
# the site, civiup's state directory and the binary; and the attributes they
# share (check mode everywhere, no diff mode, POSIX hosts).  Ansible merges a
# module's own attributes (civiup_facts: facts) and action_common_attributes'
# descriptions with these.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  root:
    description: The Backdrop root of the site (the directory holding C(index.php) and C(settings.php)).
    type: path
    required: true
  state_dir:
    description: civiup's state directory (snapshots, journal, logs). Default C(<root>.civiup).
    type: path
  civiup:
    description: The civiup binary. Default is C(civiup) on C(PATH).
    type: path
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
'''
