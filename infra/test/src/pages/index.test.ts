import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  PAGES_CONFIG_FILE,
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
    authFlow: 'USER_SRP_AUTH'
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
