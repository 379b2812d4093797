#!/bin/sh
# otv pre-commit hook: verify the staged change against its target branches before it
# is committed, on the embedded default (no server needed).
#
#   OTV_HOOK_PROFILE   the profile to run (default: default, which is fast: merges only)
#   OTV_HOOK_TARGETS   target branches, space-separated (default: git config otv.targets,
#                      else the remote's default branch, else main)
#   OTV_HOOK_STRICT=1  also refuse the commit when otv itself cannot decide
#   OTV_BIN            the otv command to run (default: otv on PATH)
#
# A blocking failure refuses the commit; anything otv cannot decide only warns
# (fail-safe). Skip once with `git commit --no-verify`.
set -u

# Run the hook that was here before otv's, if `otv hooks install` kept one.
saved="$0.otv-saved"
if [ -x "$saved" ]; then "$saved" "$@" || exit $?; fi

otv_bin=${OTV_BIN:-otv}
profile=${OTV_HOOK_PROFILE:-default}
targets=${OTV_HOOK_TARGETS:-$(git config --get otv.targets || true)}
if [ -z "$targets" ]; then
    remote_head=$(git symbolic-ref --quiet --short refs/remotes/origin/HEAD 2>/dev/null || true)
    targets=${remote_head#origin/}
fi
targets=${targets:-main}

# The staged tree as a commit of its own, on a ref otv can read; removed afterwards.
tree=$(git write-tree) || exit 0
parent=$(git rev-parse --verify --quiet HEAD || true)
if [ -n "$parent" ]; then
    staged=$(git commit-tree "$tree" -p "$parent" -m "otv: the staged change") || exit 0
else
    staged=$(git commit-tree "$tree" -m "otv: the staged change") || exit 0
fi
ref=refs/otv/staged
git update-ref "$ref" "$staged"
trap 'git update-ref -d "$ref" 2>/dev/null' EXIT

set -- verify . --head "$ref" --profile "$profile"
for target in $targets; do set -- "$@" --target "$target"; done
$otv_bin "$@"
status=$?
case $status in
    0) exit 0 ;;
    1) echo "otv: the staged change fails a blocking check (above); commit with --no-verify to skip" >&2
       exit 1 ;;
    *) echo "otv: could not verify the staged change (exit $status); committing anyway" >&2
       if [ "${OTV_HOOK_STRICT:-0}" = 1 ]; then exit "$status"; fi
       exit 0 ;;
esac
