#!/usr/bin/env bash
# ansible-lint over the collection civiup.fleet (ansible/, its production
# profile must pass) and ansible-doc of every module (its documentation must
# render).  Run from ansible/, whose ansible.cfg finds the collection.
set -euo pipefail
for tool in ansible-lint ansible-doc; do
  command -v "$tool" >/dev/null || { echo "FAILED: $tool not found (scripts/setup installs it)"; exit 1; }
done
export ANSIBLE_NOCOLOR=1 NO_COLOR=1
ansible-lint --nocolor --profile production
for module in ansible_collections/civiup/fleet/plugins/modules/*.py; do
  name=civiup.fleet.$(basename "$module" .py)
  doc=$(ansible-doc "$name")
  for section in OPTIONS EXAMPLES 'RETURN VALUES'; do
    grep -q "$section" <<<"$doc" || { echo "FAILED: ansible-doc $name lacks $section"; exit 1; }
  done
  echo "ansible-doc $name: renders"
done
