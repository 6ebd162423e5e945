import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  AUTH_FLOWS,
  IDENTITY_PATH,
  SDK_AUTH_PROVIDER,
  SETTINGS_PLUGIN_ID
} from '../../src/contract';

const INFRA = path.resolve(__dirname, '..', '..');
const REPO = path.dirname(INFRA);
/** The extension's sources, which infra/ reaches through one file only. */
const EXTENSION_SRC = path.join(REPO, 'src');
const CONTRACT_FILE = path.join(INFRA, 'src', 'contract.ts');

/** Every module specifier of a source: import, export … from, import(), require(), jest.mock(). */
const SPECIFIER =
  /(?:\bfrom|\bimport|\bimport\s*\(|\brequire\s*\(|\bjest\.(?:mock|requireActual)\s*\()\s*['"]([^'"]+)['"]/g;

function sourcesOf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'cdk.out'].includes(entry.name)
        ? []
        : sourcesOf(file);
    }
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [file] : [];
  });
}

/** The files of the extension's src/ that a source imports. */
function extensionImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf-8');
  return [...text.matchAll(SPECIFIER)]
    .map(match => match[1])
    .filter(specifier => specifier.startsWith('.'))
    .map(specifier => path.resolve(path.dirname(file), specifier))
    .filter(target => {
      const relative = path.relative(EXTENSION_SRC, target);
      return !relative.startsWith('..') && !path.isAbsolute(relative);
    });
}

describe('infra/ and the extension’s src/', () => {
  const sources = ['src', 'cdk', 'local', 'scripts', 'bench', 'test']
    .map(dir => path.join(INFRA, dir))
    .filter(dir => fs.existsSync(dir))
    .flatMap(sourcesOf);

  it('meet in src/contract.ts alone', () => {
    expect(sources).toContain(CONTRACT_FILE);
    expect(extensionImports(CONTRACT_FILE)).toEqual([
      path.join(EXTENSION_SRC, 'contract')
    ]);
    const others = sources
      .filter(file => file !== CONTRACT_FILE)
      .filter(file => extensionImports(file).length > 0)
      .map(file => path.relative(INFRA, file));
    expect(others).toEqual([]);
  });
});

describe('the contract’s literals where TypeScript cannot reach', () => {
  const read = (file: string) =>
    fs.readFileSync(path.join(REPO, file), 'utf-8');
  const captured = (text: string, pattern: RegExp) => text.match(pattern)?.[1];

  it('the Studio lifecycle configuration writes the settings plugin’s id, a sign-in flow and the SDK’s auth provider', () => {
    const script = read('lifecycle-config/install-extension.sh');
    expect(captured(script, /^PLUGIN_ID="([^"]*)"$/m)).toBe(SETTINGS_PLUGIN_ID);
    expect(captured(script, /"MLFLOW_TRACKING_AUTH": "([^"]*)"/)).toBe(
      SDK_AUTH_PROVIDER
    );
    expect(AUTH_FLOWS).toContain(
      captured(script, /env\.get\("MLFLOW_AUTH_FLOW"\) or "([^"]*)"/)
    );
  });

  it('the Python package registers and names the SDK’s auth provider', () => {
    expect(
      captured(
        read('pyproject.toml'),
        /^\[project\.entry-points\."mlflow\.request_auth_provider"\]\n(\S+) = "sagemaker_studio_mlflow\.sigv4:SigV4RequestAuthProvider"$/m
      )
    ).toBe(SDK_AUTH_PROVIDER);
    expect(
      captured(
        read('sagemaker_studio_mlflow/sigv4.py'),
        /^PROVIDER_NAME = "([^"]*)"$/m
      )
    ).toBe(SDK_AUTH_PROVIDER);
  });

  it('the MLflow server app answers the identity path', () => {
    expect(
      captured(
        read('sagemaker_studio_mlflow/server/identity.py'),
        /^IDENTITY_PATH = "([^"]*)"$/m
      )
    ).toBe(IDENTITY_PATH);
  });
});
