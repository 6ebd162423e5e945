/**
 * Whom notebooks act as in MLflow: the kernels sign with the space's AWS
 * credentials (the execution role in Studio), not as the user signed in to
 * the MLflow panel. The Jupyter server extension of the Python package
 * (`sagemaker_studio_mlflow/server_extension.py`) asks the gateway with a
 * signed call; this module asks the server, and shares the answer with
 * every view that watches it (the status bar, the run browser's foot).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { ICallerIdentity } from '../contract';

/** The server extension's endpoint, below the server's base URL (`IDENTITY_ENDPOINT` in Python). */
export const IDENTITY_ENDPOINT = 'sagemaker-studio-mlflow/identity';

/** The Jupyter server's connection settings. */
export type ServerSettings =
  JupyterFrontEnd['serviceManager']['serverSettings'];

/**
 * Why the kernels' identity is not known:
 * - `not-configured`: notebooks are not set up to sign MLflow requests;
 * - `unreachable`: the gateway did not answer;
 * - `refused`: the gateway refused the kernels' credentials;
 * - `failed`: any other answer, or the Jupyter server could not be asked.
 */
export type KernelIdentityProblem =
  'not-configured' | 'unreachable' | 'refused' | 'failed';

/** What the server extension answers: always one of these. */
export type KernelIdentityAnswer =
  | { kind: 'ok'; gatewayUrl: string; identity: ICallerIdentity }
  | { kind: KernelIdentityProblem; gatewayUrl: string; message: string };

type Watcher = (answer: KernelIdentityAnswer) => void;

let latest: KernelIdentityAnswer | null = null;
let asked = 0;
const watchers = new Set<Watcher>();

/**
 * Ask the Jupyter server whom kernels act as; every watcher gets the
 * answer. Never rejects: a failure is an answer with its message.
 */
export async function askKernelIdentity(
  settings: ServerSettings
): Promise<KernelIdentityAnswer> {
  const mine = ++asked;
  const answer = await ask(settings);
  // A slow answer never replaces a newer one.
  if (mine === asked) {
    latest = answer;
    for (const watcher of watchers) {
      watcher(answer);
    }
  }
  return latest ?? answer;
}

/** Called with the last answer (if any) and every new one; returns how to stop. */
export function watchKernelIdentity(watcher: Watcher): () => void {
  watchers.add(watcher);
  if (latest !== null) {
    watcher(latest);
  }
  return () => watchers.delete(watcher);
}

async function ask(settings: ServerSettings): Promise<KernelIdentityAnswer> {
  const url = `${settings.baseUrl.replace(/\/?$/, '/')}${IDENTITY_ENDPOINT}`;
  try {
    // As the server's own clients send it: its token, else its cookie. The
    // browser's fetch must not be called as a method of the settings.
    const serverFetch = settings.fetch;
    const response = await serverFetch(url, {
      ...settings.init,
      headers: settings.token
        ? { Authorization: `token ${settings.token}` }
        : {},
      credentials: 'same-origin'
    });
    const answer = await response.json().catch(() => undefined);
    if (response.ok && typeof answer?.kind === 'string') {
      return answer as KernelIdentityAnswer;
    }
    return failed(
      response.status === 404
        ? 'The Jupyter server does not run the sagemaker_studio_mlflow server extension.'
        : `The Jupyter server answered HTTP ${response.status}.`
    );
  } catch (reason) {
    return failed(
      `The Jupyter server could not be asked: ${(reason as Error)?.message ?? reason}`
    );
  }
}

const failed = (message: string): KernelIdentityAnswer => ({
  kind: 'failed',
  gatewayUrl: '',
  message
});

/** The kernels' roles for display, e.g. `readers`, or `''` when unknown. */
export function kernelRoles(answer: KernelIdentityAnswer | null): string {
  return answer?.kind === 'ok' ? answer.identity.roles.join(', ') : '';
}

/** The kernels' part of the item: their roles, or what stands in the way. */
export function kernelLine(
  answer: KernelIdentityAnswer | null,
  trans: TranslationBundle
): { text: string; title: string } {
  if (answer === null) {
    return { text: trans.__('Notebooks: …'), title: '' };
  }
  switch (answer.kind) {
    case 'ok':
      return {
        text: trans.__(
          'Notebooks: %1',
          kernelRoles(answer) || trans.__('no role')
        ),
        title: trans.__(
          'Notebooks sign as %1 (MLflow user %2)',
          answer.identity.principal,
          answer.identity.user
        )
      };
    case 'not-configured':
      return {
        text: trans.__('Notebooks: not set up'),
        title: answer.message
      };
    case 'unreachable':
      return {
        text: trans.__('Notebooks: gateway unreachable'),
        title: answer.message
      };
    case 'refused':
      return { text: trans.__('Notebooks: refused'), title: answer.message };
    default:
      return { text: trans.__('Notebooks: unknown'), title: answer.message };
  }
}
