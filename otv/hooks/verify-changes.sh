#!/bin/sh
# otv's CI wrapper: verify, and leave the reports where CI systems look for them.
#
#   verify-changes.sh [OUT_DIR] [otv verify options...]
#
# Writes report.json, report.md, junit.xml, report.sarif (and the other formats)
# into OUT_DIR (default: otv-reports). Inside GitHub Actions it also prints each
# finding as a workflow-command annotation and appends the Markdown report to
# $GITHUB_STEP_SUMMARY. Head, targets and correlation id default to the CI's own.
# The exit status is otv verify's: 0 passed or warned, 1 failed, 2 usage, 3 otv failed.
set -u

out=otv-reports
case ${1:-} in
    -*|"") ;;
    *) out=$1; shift ;;
esac
otv_bin=${OTV_BIN:-otv}
mkdir -p "$out"

$otv_bin verify "$@" --out "$out"
status=$?

if [ "${GITHUB_ACTIONS:-}" = true ] && [ -f "$out/report.json" ]; then
    $otv_bin annotate "$out/report.json"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/report.md" ]; then
        cat "$out/report.md" >> "$GITHUB_STEP_SUMMARY"
    fi
fi
exit $status
