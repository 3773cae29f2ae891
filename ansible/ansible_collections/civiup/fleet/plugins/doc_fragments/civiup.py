# -*- coding: utf-8 -*-
# The options every civiup.fleet module takes (module_utils/civiup.py COMMON_ARGS):
# the site, civiup's state directory and the binary.

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
'''
