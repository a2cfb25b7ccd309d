#!/usr/bin/env bash
# Run IPython's own test suite (from its sdist, against the installed
# IPython) twice: as it is, and with ipython_bg loaded into its shell; then
# list every test whose outcome differs.  Takes a few minutes on 2 cores.
#
#   bash tools/ipython_suite.sh [WORKDIR]
#
# Expected difference: the doctest of IPython's %config, whose hard-coded
# list of configurables gains "BackgroundJobs" (IPython's own storemagic
# extension changes it the same way).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
version="$(python -c 'import IPython; print(IPython.__version__)')"
installed="$(python -c 'import IPython, os; print(os.path.dirname(IPython.__file__))')"
cd "$work"
pip download -q --no-deps --no-binary :all: "ipython==$version" -d .
tar xzf "ipython-$version.tar.gz"
python -m venv --system-site-packages venv
venv/bin/pip install -q pytest-asyncio testpath
# The sdist's tests and pytest settings, run against the installed package.
mkdir -p run && cd run
cp "../ipython-$version/pyproject.toml" "../ipython-$version/conftest.py" . 2>/dev/null || true
cp -r "../ipython-$version/tests" .
ln -sfn "$installed" IPython
for name in plain extension; do
    rm -rf tmp-ipython-pytest-profiledir someplace
    plugin=()
    [ "$name" = extension ] && plugin=(-p ipbg_pytest_plugin)
    PYTHONPATH="$here" ../venv/bin/python -m pytest -q -p no:cacheprovider "${plugin[@]}" \
        --junitxml="../$name.xml" > "../$name.log" 2>&1 || true
    tail -n 1 "../$name.log"
done
cd ..
python - plain.xml extension.xml <<'PY'
import sys, xml.etree.ElementTree as ET

def outcomes(path):
    found = {}
    for case in ET.parse(path).iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return found

plain, loaded = (outcomes(path) for path in sys.argv[1:3])
changed = sorted(test for test in plain.keys() & loaded.keys() if plain[test] != loaded[test])
for test in changed:
    print(f"{plain[test]} -> {loaded[test]}: {test}")
print(f"{len(changed)} test(s) changed outcome with ipython_bg loaded")
PY
