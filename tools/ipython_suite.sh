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
root="$(dirname "$here")"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
version="$(python -c 'import IPython; print(IPython.__version__)')"
installed="$(python -c 'import IPython, os; print(os.path.dirname(IPython.__file__))')"
cd "$work"
pip download -q --no-deps --no-binary ipython "ipython==$version" -d .
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
    PYTHONPATH="$root:$here" ../venv/bin/python -m pytest -q -p no:cacheprovider "${plugin[@]}" \
        --junitxml="../$name.xml" > "../$name.log" 2>&1 || true
    tail -n 1 "../$name.log"
done
cd ..
python "$here/suite_changes.py" plain.xml extension.xml
