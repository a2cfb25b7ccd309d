// The JupyterLab toolchain's jest set-up (@jupyterlab/testing), run by
// `npm test`; tests/test_labextension.py runs it within pytest.
const jupyterlabConfig = require('@jupyterlab/testing/lib/jest-config');

// Packages published as ES modules, which babel turns into what jest runs.
const esModules = [
  '@codemirror',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyter/ydoc',
  '@jupyterlab/',
  '@marijn',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

module.exports = {
  ...jupyterlabConfig(__dirname),
  reporters: ['default'],
  testRegex: 'test/.*\\.spec\\.ts$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
