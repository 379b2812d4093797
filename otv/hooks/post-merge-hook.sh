#!/bin/sh
# otv post-merge hook: after a merge (a `git pull`, say), verify the merged result
# against the target branches and report; a merge that is done is never undone.
#
#   OTV_HOOK_PROFILE, OTV_HOOK_TARGETS, OTV_BIN: as for the pre-commit hook.
#   OTV_HOOK_OUT       also write every report format into this directory
set -u

saved="$0.otv-saved"
if [ -x "$saved" ]; then "$saved" "$@" || true; fi

otv_bin=${OTV_BIN:-otv}
profile=${OTV_HOOK_PROFILE:-default}
targets=${OTV_HOOK_TARGETS:-$(git config --get otv.targets || true)}
if [ -z "$targets" ]; then
    remote_head=$(git symbolic-ref --quiet --short refs/remotes/origin/HEAD 2>/dev/null || true)
    targets=${remote_head#origin/}
fi
targets=${targets:-main}

set -- verify . --head HEAD --profile "$profile"
for target in $targets; do set -- "$@" --target "$target"; done
if [ -n "${OTV_HOOK_OUT:-}" ]; then set -- "$@" --out "$OTV_HOOK_OUT"; fi
$otv_bin "$@" || echo "otv: the merged result does not pass every check (above)" >&2
exit 0
