/**
 * `GET /auth/{name}` in AWS: the gateway's own pages (`./index.ts`) as a
 * Lambda proxy integration. The built pages travel in the function's code,
 * beside this file; their configuration comes from the deployment
 * (`PAGES_CONFIG`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import { headerValue } from '../authorizer/token';
import type { PagesConfig } from '../contract';
import { pageAnswer } from './index';

/** Where the function's code keeps the built pages. */
export const PAGES_FOLDER = 'gateway-pages';

let config: PagesConfig | undefined;

export async function handler(
  event: Pick<APIGatewayProxyEvent, 'pathParameters'> &
    Partial<Pick<APIGatewayProxyEvent, 'headers'>>
): Promise<APIGatewayProxyResult> {
  config ??= JSON.parse(process.env.PAGES_CONFIG ?? '') as PagesConfig;
  const dir = path.join(__dirname, PAGES_FOLDER);
  const answer = await pageAnswer(
    event.pathParameters?.proxy ?? '',
    config,
    file => fs.promises.readFile(path.join(dir, file), 'utf-8'),
    headerValue(event.headers, 'origin')
  );
  return { ...answer, headers: { ...answer.headers } };
}
