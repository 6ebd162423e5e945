import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  PAGES_CONFIG_FILE,
  SIGNED_OUT_PAGE,
  SSO_CALLBACK_PAGE,
  SSO_PAGE,
  TAB_PAGE,
  type PagesConfig
} from '../../../src/contract';
import { GATEWAY_PAGES, pageAnswer } from '../../../src/pages';

/** The pages' sources; `npm run build:pages` copies the HTML as it is. */
const SOURCES = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'src',
  'gateway-pages'
);

const CONFIG: PagesConfig = {
  allowedOrigins: ['https://studio.example'],
  cognito: {
    region: 'us-east-1',
    userPoolId: 'us-east-1_x',
    userPoolClientId: 'c',
    endpoint: '',
    authFlow: 'USER_SRP_AUTH',
    signIn: ['password', 'sso'],
    sso: {
      domain: 'https://mlflow.auth.us-east-1.amazoncognito.com',
      providers: [{ name: 'Okta', label: 'Okta' }]
    }
  }
};

describe('GATEWAY_PAGES', () => {
  it('serves every script and stylesheet a page loads, beside it', () => {
    const served = new Set(Object.keys(GATEWAY_PAGES));
    for (const page of Object.values(GATEWAY_PAGES)) {
      if (!page.file.endsWith('.html')) {
        continue;
      }
      const html = fs.readFileSync(path.join(SOURCES, page.file), 'utf-8');
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(
        match => match[1]
      );
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        expect([page.file, asset, served.has(asset)]).toEqual([
          page.file,
          asset,
          true
        ]);
      }
    }
  });
});

describe('pageAnswer', () => {
  it('serves the browser tab page, framed only by the allowed origins', async () => {
    const read = jest.fn(async (file: string) => `<!-- ${file} -->`);
    const answer = await pageAnswer(TAB_PAGE, CONFIG, read);
    expect(answer.statusCode).toBe(200);
    expect(read).toHaveBeenCalledWith('tab.html');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toBe(
      "frame-ancestors 'self' https://studio.example"
    );
    for (const [name, type] of [
      ['tab.js', 'text/javascript; charset=utf-8'],
      ['tab.css', 'text/css; charset=utf-8']
    ]) {
      expect(
        (await pageAnswer(name, CONFIG, read)).headers['content-type']
      ).toBe(type);
    }
    expect(
      JSON.parse((await pageAnswer(PAGES_CONFIG_FILE, CONFIG, read)).body)
    ).toEqual(CONFIG);
  });
});

describe('the configuration', () => {
  const read = async () => '';

  it('may be read by JupyterLab on an allowed origin (it learns the sign-in methods from it)', async () => {
    const answer = await pageAnswer(
      PAGES_CONFIG_FILE,
      CONFIG,
      read,
      'https://studio.example'
    );
    expect(answer.headers['access-control-allow-origin']).toBe(
      'https://studio.example'
    );
    expect(answer.headers.vary).toBe('Origin');
    expect(JSON.parse(answer.body).cognito.sso.providers).toEqual([
      { name: 'Okta', label: 'Okta' }
    ]);
  });

  it('is not shared with any other origin', async () => {
    for (const origin of ['https://evil.example', 'null', undefined]) {
      const answer = await pageAnswer(PAGES_CONFIG_FILE, CONFIG, read, origin);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('serves the three steps of the SSO sign-in from one page', async () => {
    const files = jest.fn(async (file: string) => `<!-- ${file} -->`);
    for (const name of [SSO_PAGE, SSO_CALLBACK_PAGE, SIGNED_OUT_PAGE]) {
      const answer = await pageAnswer(name, CONFIG, files);
      expect([name, answer.statusCode, answer.body]).toEqual([
        name,
        200,
        '<!-- sso.html -->'
      ]);
    }
  });
});
