/**
 * cognito-local (started in-process by the tests in test/local/cognito/)
 * requires otplib, which requires these ESM-only packages. Node loads them
 * with require(esm); jest's module system cannot, so they are compiled to
 * CommonJS.
 */
const ESM_ONLY = '@scure/base|@noble/hashes';

/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    [`/node_modules/(${ESM_ONLY})/.+\\.js$`]: [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          isolatedModules: true,
          module: 'commonjs',
          target: 'ES2022'
        }
      }
    ]
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY})/)`]
};
