module.exports = {
  root: true,
  extends: [
    'eslint:recommended',
    'plugin:@typescript-eslint/eslint-recommended',
    'plugin:@typescript-eslint/recommended',
    'plugin:prettier/recommended'
  ],
  parser: '@typescript-eslint/parser',
  parserOptions: {
    project: './tsconfig.test.json',
    tsconfigRootDir: __dirname,
    sourceType: 'module'
  },
  plugins: ['@typescript-eslint'],
  ignorePatterns: [
    'node_modules',
    'coverage',
    'lib',
    '**/*.d.ts',
    '*.js',
    'sagemaker_studio_mlflow',
    'infra/cdk.out',
    '/tests',
    '/scripts',
    '.venv',
    '.local'
  ],
  overrides: [
    {
      // The AWS side and the local stack: Node programs with their own tsconfig,
      // named as in the CDK (props interfaces carry no I prefix).
      files: ['infra/**/*.ts'],
      parserOptions: { project: './infra/tsconfig.json' },
      rules: {
        '@typescript-eslint/naming-convention': 'off',
        'no-console': 'off'
      }
    },
    {
      files: ['ui-tests/**/*.ts'],
      parserOptions: { project: './ui-tests/tsconfig.json' },
      rules: { '@typescript-eslint/naming-convention': 'off' }
    },
    {
      // Benches print their results.
      files: ['ui-tests/bench/**/*.ts'],
      rules: { 'no-console': 'off' }
    }
  ],
  rules: {
    '@typescript-eslint/naming-convention': [
      'error',
      {
        selector: 'interface',
        format: ['PascalCase'],
        custom: {
          regex: '^I[A-Z]',
          match: true
        }
      }
    ],
    '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
    '@typescript-eslint/no-explicit-any': 'off',
    '@typescript-eslint/no-namespace': 'off',
    '@typescript-eslint/no-use-before-define': 'off',
    '@typescript-eslint/quotes': [
      'error',
      'single',
      { avoidEscape: true, allowTemplateLiterals: false }
    ],
    curly: ['error', 'all'],
    eqeqeq: 'error',
    'no-console': ['error', { allow: ['debug', 'error'] }],
    'prefer-arrow-callback': 'error'
  }
};
