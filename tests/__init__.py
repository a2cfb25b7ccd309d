"""ipython_bg's tests, in folders that follow the package's layers (see
tests/README.md).  A package, so that the harness imports as
``tests.harness`` and test files in different folders may share a name."""
