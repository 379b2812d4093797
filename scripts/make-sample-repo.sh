#!/usr/bin/env bash
# Builds the sample repository `make run` verifies: a small Python project with
#   main         where the feature branch merges and its tests pass,
#   release/1.0  an older release that greets differently: the feature merges,
#                but its new test fails there,
#   feature      the change to verify.
# The repository carries its own profile in .otv/profiles.yaml.
set -euo pipefail

repo=${1:?usage: make-sample-repo.sh DIRECTORY}
rm -rf "$repo"
mkdir -p "$repo"
cd "$repo"

git init --quiet --initial-branch=main
git config user.name "otv sample"
git config user.email "sample@otv.invalid"
git config commit.gpgsign false

mkdir -p .otv
cat > .otv/profiles.yaml <<'YAML'
version: 1
profiles:
  default:
    description: Merges cleanly, and the unit tests pass on the merged tree.
    scenarios:
      - {id: mergeable, type: merge, severity: blocking}
      - {id: unit-tests, type: command, run: [python3, -m, unittest, -q], timeout: 120}
YAML
cat > greeting.py <<'PY'
def greet(name):
    return f"Hello, {name}!"
PY
cat > test_greeting.py <<'PY'
import unittest

from greeting import greet


class GreetTest(unittest.TestCase):
    def test_greet(self):
        self.assertEqual(greet("otv"), "Hello, otv!")
PY
git add . && git commit --quiet -m "greeting: greet by name"

git branch release/1.0
git checkout --quiet release/1.0
cat > greeting.py <<'PY'
def greet(name):
    # Release 1.0 greets less loudly.
    return f"Hi, {name}."
PY
sed -i 's/"Hello, otv!"/"Hi, otv."/' test_greeting.py
git commit --quiet -am "release 1.0: quieter greeting"

git checkout --quiet main
printf '# greeting\n' > README.md
git add README.md && git commit --quiet -m "docs: readme"

git checkout --quiet -b feature
cat > welcome.py <<'PY'
from greeting import greet


def welcome(name):
    return greet(name) + " Welcome aboard."
PY
cat > test_welcome.py <<'PY'
import unittest

from welcome import welcome


class WelcomeTest(unittest.TestCase):
    def test_welcome(self):
        self.assertEqual(welcome("otv"), "Hello, otv! Welcome aboard.")
PY
git add . && git commit --quiet -m "welcome: greet newcomers"
git checkout --quiet main
echo "sample repository ready: $repo (feature -> main, release/1.0)"
