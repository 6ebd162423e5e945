import pkg from '../../package.json';

/**
 * The builder would require of JupyterLab the versions of the JupyterLab that
 * builds the extension (e.g. ^4.5.11); `sharedPackages` keeps the ranges of
 * package.json instead, so that JupyterLab 4.0 loads the extension without
 * "unsatisfied version" warnings.
 */
describe('package.json', () => {
  const shared: Record<string, any> = pkg.jupyterlab.sharedPackages;
  const dependencies: Record<string, string> = pkg.dependencies;
  /**
   * Amplify stays inside this extension: other extensions' Amplify would
   * bring a second `@aws-amplify/core`, and configuration would be split.
   * The list virtualiser is not part of JupyterLab, so sharing it would only
   * make the extension wait for a copy nobody provides.
   */
  const PRIVATE = [
    '@aws-amplify/ui-react',
    '@tanstack/react-virtual',
    'aws-amplify'
  ];
  const sharedNames = Object.keys(dependencies).filter(
    name => !PRIVATE.includes(name)
  );

  it.each(PRIVATE)('keeps %s to itself (not shared)', name => {
    expect(name in dependencies).toBe(true);
    expect(shared[name]).toBe(false);
  });

  it.each(sharedNames)('shares %s as a singleton with its own range', name => {
    expect(shared[name]).toEqual({
      bundled: false,
      singleton: true,
      requiredVersion: dependencies[name]
    });
  });

  it('shares nothing that it does not depend on', () => {
    expect(Object.keys(shared).sort()).toEqual(
      Object.keys(dependencies).sort()
    );
  });

  it.each(
    Object.keys(dependencies).filter(name => name.startsWith('@jupyterlab/'))
  )('accepts JupyterLab 4.0 for %s', name => {
    expect(dependencies[name]).toBe('^4.0.0');
  });
});
