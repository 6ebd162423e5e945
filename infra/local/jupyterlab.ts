import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type AuthFlow, SETTINGS_PLUGIN_ID } from '../src/contract';
import { LOCAL_REGION, PATHS, REPO_ROOT } from './config';
import { type LocalUser, sdkEnvironment } from './stack';

/**
 * Where JupyterLab reads administrator defaults for the venv's JupyterLab.
 * This is the place the Studio lifecycle configuration writes too
 * (`/opt/conda/share/jupyter/lab/settings/overrides.d/`).
 */
const OVERRIDES_FILE = path.join(
  PATHS.venv,
  'share',
  'jupyter',
  'lab',
  'settings',
  'overrides.d',
  'sagemaker-studio-mlflow.json'
);

export interface ExtensionSettings {
  gatewayUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  cognitoEndpoint: string;
  authFlow: AuthFlow;
}

/** Pre-configures the extension for the local stack, as an administrator would. */
export function writeExtensionOverrides(settings: ExtensionSettings): void {
  fs.mkdirSync(path.dirname(OVERRIDES_FILE), { recursive: true });
  fs.writeFileSync(
    OVERRIDES_FILE,
    JSON.stringify({ [SETTINGS_PLUGIN_ID]: settings }, null, 2) + '\n'
  );
  // The local JupyterLab has no business asking to fetch Jupyter's news feed.
  fs.writeFileSync(
    path.join(path.dirname(OVERRIDES_FILE), 'local-stack.json'),
    JSON.stringify(
      { '@jupyterlab/apputils-extension:notification': { fetchNews: 'false' } },
      null,
      2
    ) + '\n'
  );
}

export function localExtensionSettings(
  gateway: string,
  cognitoEndpoint: string,
  pool: {
    userPoolId: string;
    clientId: string;
  }
): ExtensionSettings {
  return {
    gatewayUrl: gateway,
    region: LOCAL_REGION,
    userPoolId: pool.userPoolId,
    userPoolClientId: pool.clientId,
    cognitoEndpoint,
    // cognito-local supports no SRP.
    authFlow: 'USER_PASSWORD_AUTH'
  };
}

/** Where the venv's JupyterLab keeps Galata's in-page test helpers (a prebuilt extension). */
function galataHelpersPath(): string {
  const lib = path.join(PATHS.venv, 'lib');
  const python = fs.readdirSync(lib).find(name => name.startsWith('python'));
  return path.join(
    lib,
    python ?? 'python3',
    'site-packages',
    'jupyterlab',
    'galata'
  );
}

/** The extension's package name, which JupyterLab serves its build under. */
const EXTENSION_NAME: string = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')
).name;

/**
 * Links this checkout's build into the labextensions folder the local
 * JupyterLab reads first (see `jupyterLabArgs`), under the extension's name.
 */
export function linkExtensionBuild(): void {
  const link = path.join(PATHS.labextensions, EXTENSION_NAME);
  fs.mkdirSync(PATHS.labextensions, { recursive: true });
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.join(PATHS.packageDir, 'labextension'), link, 'dir');
}

/** The command line of the local JupyterLab. */
export function jupyterLabArgs(port: number, token: string): string[] {
  return [
    'lab',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${PATHS.notebooks}`,
    // Lets UI tests (Galata) drive the application, with the in-page helpers
    // JupyterLab ships for them.
    '--LabApp.expose_app_in_browser=True',
    `--LabServerApp.extra_labextensions_path=${galataHelpersPath()}`,
    // This checkout's build of the extension comes first, whichever
    // checkout the venv's editable install points to.
    `--LabServerApp.extra_labextensions_path=${PATHS.labextensions}`,
    // Containers and CI machines often run everything as root.
    ...(process.getuid?.() === 0 ? ['--allow-root'] : [])
  ];
}

/**
 * The environment of the local JupyterLab and so of its kernels: they log to
 * MLflow through the gateway. User settings and workspaces stay inside
 * `.local/` so the stack never touches the developer's own JupyterLab.
 */
export function jupyterLabEnv(
  gateway: string,
  user: LocalUser
): NodeJS.ProcessEnv {
  fs.mkdirSync(PATHS.notebooks, { recursive: true });
  installLabs();
  const kernels = path.join(PATHS.jupyter, 'share');
  writeKernelSpec(kernels);
  return {
    // Notebooks sign with the readers' role, as a data scientist's
    // SageMaker execution role would.
    ...sdkEnvironment(gateway, user),
    JUPYTERLAB_SETTINGS_DIR: path.join(PATHS.jupyter, 'user-settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(PATHS.jupyter, 'workspaces'),
    JUPYTER_RUNTIME_DIR: path.join(PATHS.jupyter, 'runtime'),
    // This checkout's Python package (kernels sign with its SDK auth
    // provider) and the config file its wheel installs (the server extension
    // that says whom notebooks act as), whichever checkout the venv's
    // editable install points to.
    PYTHONPATH: path.dirname(PATHS.packageDir),
    JUPYTER_CONFIG_PATH: path.join(
      path.dirname(PATHS.packageDir),
      'jupyter-config'
    ),
    // The stack's own Python kernel first: the venv's kernel spec may carry
    // another gateway in its `env` (what a Studio lifecycle configuration
    // writes), which would win over the SDK settings above.
    JUPYTER_PATH: kernels,
    PATH: `${PATHS.venvBin}:${process.env.PATH ?? ''}`
  };
}

/**
 * Every role's lab in JupyterLab's root, with the installer Studio spaces use
 * (each lab signs as its own role here); a lab the developer has is never
 * overwritten.
 */
function installLabs(): void {
  execFileSync(
    `${PATHS.venvBin}/python`,
    [
      '-m',
      'sagemaker_studio_mlflow.labs',
      'install',
      '--home',
      PATHS.notebooks,
      '--all'
    ],
    {
      env: { ...process.env, PYTHONPATH: path.dirname(PATHS.packageDir) },
      stdio: 'ignore'
    }
  );
}

/** The venv's Python kernel, with nothing in its `env`: kernels keep the stack's. */
function writeKernelSpec(dataDir: string): void {
  const dir = path.join(dataDir, 'kernels', 'python3');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'kernel.json'),
    JSON.stringify(
      {
        argv: [
          `${PATHS.venvBin}/python`,
          '-m',
          'ipykernel_launcher',
          '-f',
          '{connection_file}'
        ],
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        metadata: { debugger: true }
      },
      null,
      1
    ) + '\n'
  );
}
