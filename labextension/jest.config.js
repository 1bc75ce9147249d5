// Unit tests for the panel's model and request code (run: npm test).
// JupyterLab's own packages ship ES modules, so they go through ts-jest like our sources.
const esModules = ['@jupyterlab', '@jupyter', '@lumino', '@microsoft', 'exenv-es6', 'lib0', 'y-protocols', 'yjs', 'nanoid'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.spec.ts?(x)'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
    '^.+\\.svg$': '<rootDir>/scripts/jest-raw-transform.js'
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules.join('|')})/)`],
  setupFiles: ['<rootDir>/scripts/jest-dom-shim.js'],
  testTimeout: 20000
};
