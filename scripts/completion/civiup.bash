# bash completion for civiup (installed to share/bash-completion/completions/civiup)
_civiup() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="check upgrade rehearse rollback recover status snapshot snapshots restore prune"
  local global="--root --state-dir --json --yes -y --verbose -v --quiet -q --sync-delete --help -h --version"
  local download="--latest --version --feed --sums-url --sha256sums --keyring --ca-file"
  local upgrade="$download --release --l10n --db-upgrade --db-upgrade-timeout --quiesce-timeout --url --no-health-check --bee --force --discard-local-changes"

  case "$prev" in
    --root|--state-dir|--to-root)
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --release|--l10n)
      COMPREPLY=($(compgen -f -X '!*.tar.gz' -- "$cur") $(compgen -d -- "$cur")); return ;;
    --sha256sums|--keyring|--ca-file)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --db-upgrade|--bee|--url|--message|--keep|--to|--to-db-prefix|--db-upgrade-timeout|--quiesce-timeout|--feed|--sums-url|--version)
      return ;;
  esac

  local command="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      --root|--state-dir) ((i++)) ;;
      -*) ;;
      *) command="${words[i]}"; break ;;
    esac
  done

  local options
  case "$command" in
    "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
    check) options="$download --offline --release --l10n --db-upgrade --bee --force --discard-local-changes" ;;
    upgrade) options="$upgrade" ;;
    rehearse) options="$upgrade --to-root --to-db-prefix --cleanup" ;;
    rollback) options="--to --discard-changes" ;;
    status) options="--offline --feed --ca-file" ;;
    recover|snapshots) options="" ;;
    snapshot) options="--message" ;;
    restore) options="--discard-changes" ;;
    prune) options="--keep" ;;
  esac
  COMPREPLY=($(compgen -W "$options $global" -- "$cur"))
}
complete -F _civiup civiup
