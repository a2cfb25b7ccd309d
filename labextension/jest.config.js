// The JupyterLab toolchain's jest set-up (@jupyterlab/testing), run by
// `npm test`; tests/test_labextension.py runs it within pytest.
const jupyterlabConfig = require('@jupyterlab/testing/lib/jest-config');

module.exports = {
  ...jupyterlabConfig(__dirname),
  reporters: ['default'],
  testRegex: 'test/.*\\.spec\\.ts$'
};
