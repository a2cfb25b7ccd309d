#!/usr/bin/env bash
# Run ipykernel's own test suite (from its sdist, against the installed
# ipykernel) twice: as it is, and with ipython_bg loaded into every kernel
# it makes (in its own process through a pytest plugin, in subprocesses
# through an IPython profile); then list every test whose outcome differs.
# Takes several minutes on 2 cores.
#
#   bash tools/ipykernel_suite.sh [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
version="$(python -c 'import ipykernel; print(ipykernel.__version__)')"
installed="$(python -c 'import ipykernel, os; print(os.path.dirname(ipykernel.__file__))')"
cd "$work"
# Only ipykernel itself from source: its build backend's own dependencies
# may come as wheels.
pip download -q --no-deps --no-binary ipykernel "ipykernel==$version" -d .
tar xzf "ipykernel-$version.tar.gz"
python -m venv --system-site-packages venv
venv/bin/pip install -q 'pytest-asyncio>=0.23.5' pytest-timeout flaky
# The sdist's tests and pytest settings, run against the installed package.
mkdir -p run && cd run
cp "../ipykernel-$version/pyproject.toml" .
cp -r "../ipykernel-$version/tests" .
ln -sfn "$installed" ipykernel
# Kernels started in subprocesses read the profile in IPYTHONDIR: the
# extension run's loads ipython_bg.
mkdir -p ../ipython-plain/profile_default ../ipython-extension/profile_default
echo 'c.InteractiveShellApp.extensions = ["ipython_bg"]' > ../ipython-extension/profile_default/ipython_kernel_config.py
for name in plain extension; do
    plugin=()
    [ "$name" = extension ] && plugin=(-p ipbg_ipykernel_plugin)
    IPYTHONDIR="$work/ipython-$name" PYTHONPATH="$root:$here" ../venv/bin/python -m pytest -q -p no:cacheprovider \
        "${plugin[@]}" --junitxml="../$name.xml" > "../$name.log" 2>&1 || true
    tail -n 1 "../$name.log"
done
cd ..
python "$here/suite_changes.py" plain.xml extension.xml
