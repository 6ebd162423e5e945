import {
  COSTLY_PATH_PATTERN,
  MAX_COSTLY_BODY_BYTES,
  exceedsCostBounds
} from '../../../src/apigateway';
import { samplePath } from '../../../src/gateway-routes';
import { OPERATIONS, pathTemplates } from '../../../src/permissions';

const templates = OPERATIONS.flatMap(op =>
  pathTemplates(op).map(template => ({ op, path: samplePath(template) }))
);

describe('what one request may cost', () => {
  it('bounds the body of every search and GraphQL query the permission model posts', () => {
    // A GET's parameters are in its query, which API Gateway bounds.
    const costly = templates.filter(
      ({ op }) => op.method === 'POST' && /(^|\.)search|^graphql\./.test(op.id)
    );
    expect(costly.length).toBeGreaterThan(15);
    for (const { op, path } of costly) {
      expect([
        op.id,
        path,
        exceedsCostBounds(path, MAX_COSTLY_BODY_BYTES + 1)
      ]).toEqual([op.id, path, true]);
      expect(exceedsCostBounds(path, MAX_COSTLY_BODY_BYTES)).toBe(false);
    }
  });

  it('leaves every other operation’s body to the payload limit', () => {
    const others = templates.filter(
      ({ op }) => !/(^|\.)search|^graphql\./.test(op.id)
    );
    const bounded = others
      .filter(({ path }) => exceedsCostBounds(path, 10 * 1024 * 1024))
      .map(({ op, path }) => `${op.id} ${path}`);
    expect(bounded).toEqual([]);
    expect(
      exceedsCostBounds('/api/2.0/mlflow/runs/log-batch', 5 * 1024 * 1024)
    ).toBe(false);
    // An artifact named like a search is an artifact.
    for (const artifact of [
      '/api/2.0/mlflow-artifacts/artifacts/search',
      '/api/2.0/mlflow-artifacts/artifacts/1/search/search',
      '/ajax-api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/search-index'
    ]) {
      expect([artifact, exceedsCostBounds(artifact, 5 * 1024 * 1024)]).toEqual([
        artifact,
        false
      ]);
    }
  });

  it('is a pattern AWS WAF accepts: at most 512 characters', () => {
    expect(COSTLY_PATH_PATTERN.length).toBeLessThanOrEqual(512);
  });
});
