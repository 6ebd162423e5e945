/**
 * The gateway's own pages under `/auth/`: the token hand-off for the MLflow
 * panel in JupyterLab and the sign-in page for use outside it. They are
 * built from the extension's `src/gateway-pages` into `lib/gateway-pages`;
 * the local gateway serves them and the CDK app deploys the same files.
 */

/** Where the pages live on the gateway. */
export const PAGES_PREFIX = '/auth/';

/** Each page's path under {@link PAGES_PREFIX}, its built file and type. */
export const GATEWAY_PAGES: Readonly<
  Record<string, { file: string; contentType: string }>
> = Object.freeze({
  handoff: { file: 'handoff.html', contentType: 'text/html; charset=utf-8' },
  'handoff.js': {
    file: 'handoff.js',
    contentType: 'text/javascript; charset=utf-8'
  },
  login: { file: 'login.html', contentType: 'text/html; charset=utf-8' },
  'login.js': {
    file: 'login.js',
    contentType: 'text/javascript; charset=utf-8'
  },
  'login.css': { file: 'login.css', contentType: 'text/css; charset=utf-8' }
});

/** The pages' public configuration, generated from the deployment. */
export const PAGES_CONFIG = 'config.json';

/**
 * What the gateway serves at `/auth/config.json`: nothing secret. The
 * pages read it; its shape is the extension's `IPagesConfig`.
 */
export type { IPagesConfig as PagesConfig } from '../../src/handoff/protocol';

/**
 * The `Content-Security-Policy` every gateway answer carries: only the
 * allowed origins (and the gateway itself) may frame MLflow or the pages.
 */
export function frameAncestorsPolicy(
  allowedOrigins: readonly string[]
): string {
  return `frame-ancestors 'self'${allowedOrigins.map(origin => ` ${origin}`).join('')}`;
}
