#!/usr/bin/env bash
# Checks the agent's /metrics with Prometheus' own parser: runs the end-to-end test that scrapes a
# running `flowwatch run` and pipes the text to `promtool check metrics`, requiring promtool to be
# there (packages.txt installs Debian's prometheus package).
set -euo pipefail
root="${1:?usage: promtool.sh REPO_ROOT}"
command -v promtool >/dev/null || { echo "promtool.sh: promtool is missing (apt-get install prometheus)" >&2; exit 1; }
FLOWWATCH_REQUIRE_PROMTOOL=1 "$root/build/tests/e2e_tests" --no-intro=true -tc="*promtool*"
