/**
 * The gateway's own pages under `/auth/`: `handoff`, which takes the token
 * from the MLflow panel in JupyterLab and stores it as the MLflow UI's
 * cookie, `tab`, the MLflow UI in a browser tab as JupyterLab's user, and
 * `login`, the sign-in page for use outside JupyterLab. All of them, from
 * one place:
 *
 * - sources: the extension's `src/gateway-pages/` (browser code sharing the
 *   extension's sign-in form and `src/contract.ts`);
 * - build: `npm run build:pages` in the repository root
 *   (`scripts/build-gateway-pages.mjs`, esbuild) into `lib/gateway-pages/`,
 *   `PAGES_BUILD_DIR` in `./build.ts`;
 * - routes: {@link GATEWAY_PAGES} and {@link pageAnswer} below, used alike by
 *   the local gateway (`infra/local/gateway/server.ts`) and in AWS by the
 *   Lambda `./handler.ts`, which the CDK app (`infra/cdk/gateway.ts`)
 *   deploys with the built files inside;
 * - configuration: {@link PagesConfig} at `/auth/config.json`, from the
 *   deployment (the CDK app) or the local stack (`infra/local/stackctl.ts`).
 */
import {
  HANDOFF_PAGE,
  LOGIN_PAGE,
  PAGES_CONFIG_FILE,
  PAGES_PREFIX,
  SIGNED_OUT_PAGE,
  SSO_CALLBACK_PAGE,
  SSO_PAGE,
  TAB_PAGE,
  type PagesConfig
} from '../contract';

/** Each page's path under {@link PAGES_PREFIX}, its built file and type. */
export const GATEWAY_PAGES: Readonly<
  Record<string, { file: string; contentType: string }>
> = Object.freeze({
  [HANDOFF_PAGE]: {
    file: 'handoff.html',
    contentType: 'text/html; charset=utf-8'
  },
  'handoff.js': {
    file: 'handoff.js',
    contentType: 'text/javascript; charset=utf-8'
  },
  [LOGIN_PAGE]: { file: 'login.html', contentType: 'text/html; charset=utf-8' },
  'login.js': {
    file: 'login.js',
    contentType: 'text/javascript; charset=utf-8'
  },
  'login.css': { file: 'login.css', contentType: 'text/css; charset=utf-8' },
  [TAB_PAGE]: { file: 'tab.html', contentType: 'text/html; charset=utf-8' },
  'tab.js': { file: 'tab.js', contentType: 'text/javascript; charset=utf-8' },
  'tab.css': { file: 'tab.css', contentType: 'text/css; charset=utf-8' },
  // The SSO sign-in's three steps are one page (`sso.js` tells them apart).
  [SSO_PAGE]: { file: 'sso.html', contentType: 'text/html; charset=utf-8' },
  [SSO_CALLBACK_PAGE]: {
    file: 'sso.html',
    contentType: 'text/html; charset=utf-8'
  },
  [SIGNED_OUT_PAGE]: {
    file: 'sso.html',
    contentType: 'text/html; charset=utf-8'
  },
  'sso.js': { file: 'sso.js', contentType: 'text/javascript; charset=utf-8' }
});

/**
 * The `Content-Security-Policy` every gateway answer carries: only the
 * allowed origins (and the gateway itself) may frame MLflow or the pages.
 */
export function frameAncestorsPolicy(
  allowedOrigins: readonly string[]
): string {
  return `frame-ancestors 'self'${allowedOrigins.map(origin => ` ${origin}`).join('')}`;
}

/** An answer of the pages route, as the local gateway and the Lambda send it. */
export interface PageAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The answer to `GET /auth/<name>`: a built page, the configuration, or
 * MLflow-style 404 (unknown page) and 503 (pages not built). `read` gives
 * a built file's text; nothing else on disk can be named. The
 * configuration may be read from an allowed origin (`origin`, the
 * request's `Origin`): the extension learns the sign-in methods from it.
 */
export async function pageAnswer(
  name: string,
  config: PagesConfig,
  read: (file: string) => Promise<string>,
  origin?: string
): Promise<PageAnswer> {
  const headers = (contentType: string) => ({
    'content-type': contentType,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': frameAncestorsPolicy(config.allowedOrigins)
  });
  const json = (statusCode: number, body: unknown): PageAnswer => ({
    statusCode,
    headers: headers('application/json'),
    body: JSON.stringify(body)
  });
  if (name === PAGES_CONFIG_FILE) {
    const answer = json(200, config);
    return origin !== undefined && config.allowedOrigins.includes(origin)
      ? {
          ...answer,
          headers: {
            ...answer.headers,
            'access-control-allow-origin': origin,
            vary: 'Origin'
          }
        }
      : { ...answer, headers: { ...answer.headers, vary: 'Origin' } };
  }
  const page = Object.prototype.hasOwnProperty.call(GATEWAY_PAGES, name)
    ? GATEWAY_PAGES[name]
    : undefined;
  if (page === undefined) {
    return json(404, {
      error_code: 'NOT_FOUND',
      message: `No page ${PAGES_PREFIX}${name}.`
    });
  }
  try {
    const body = await read(page.file);
    return { statusCode: 200, headers: headers(page.contentType), body };
  } catch {
    return json(503, {
      error_code: 'PAGES_NOT_BUILT',
      message: `The gateway's pages are not built (${page.file} is missing). Run npm run build:pages.`
    });
  }
}
