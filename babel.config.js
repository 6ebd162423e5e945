// Jest turns the ES modules that @jupyterlab and friends publish into
// CommonJS with this preset (see jest.config.js).
module.exports = require('@jupyterlab/testing/lib/babel-config').default;
