"""Which tests changed outcome between two JUnit XML reports of one suite:
``python suite_changes.py plain.xml extension.xml``.

Prints one line per test whose outcome (passed, failure, error, skipped)
differs, ``plain -> extension: test``, then how many there were; a test
in only one report is listed as missing from the other.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def outcomes(path: str) -> dict[str, str]:
    found = {}
    for case in ET.parse(path).iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    return found


def main(plain_path: str, loaded_path: str) -> int:
    plain, loaded = outcomes(plain_path), outcomes(loaded_path)
    changed = sorted(test for test in plain.keys() | loaded.keys() if plain.get(test) != loaded.get(test))
    for test in changed:
        print(f"{plain.get(test, 'missing')} -> {loaded.get(test, 'missing')}: {test}")
    print(f"{len(changed)} test(s) changed outcome with ipython_bg loaded (of {len(plain)} run without it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
