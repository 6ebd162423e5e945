/**
 * The permission model against the MLflow actually installed: every route
 * MLflow serves is classified, every classified route exists, and the
 * matcher picks the route MLflow itself would run.
 */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

import {
  OPERATIONS,
  Operation,
  matchOperation,
  pathTemplates
} from '../../../src/permissions';

const PYTHON = path.resolve(__dirname, '../../../../.venv/bin/python');
const ROUTES_SCRIPT = path.resolve(
  __dirname,
  '../../../scripts/mlflow_routes.py'
);

interface MlflowRoute {
  method: string;
  /** In the model's template syntax: `{name}` and greedy `{name+}`. */
  path: string;
  sources: ('flask' | 'fastapi' | 'app')[];
  handlers: string[];
  /** A concrete path for the route, and the route MLflow dispatches it to. */
  sample: string;
  dispatchedTo: string | null;
  /** Near misses of the sample (extra segment, trailing slash, upper case). */
  probes: { path: string; dispatchedTo: string | null }[];
}

function listMlflowRoutes(): { mlflowVersion: string; routes: MlflowRoute[] } {
  const env = { ...process.env };
  delete env.MLFLOW_STATIC_PREFIX;
  try {
    const output = execFileSync(PYTHON, [ROUTES_SCRIPT], {
      cwd: os.tmpdir(), // importing the server must not leave files in the repo
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    return JSON.parse(output);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `Could not list MLflow's routes with ${PYTHON} ${ROUTES_SCRIPT} ` +
        `(run scripts/setup.sh to create .venv):\n${String(error)}\n${stderr}`
    );
  }
}

const key = (method: string, template: string): string =>
  `${method} ${template}`;

const MODEL = new Map<string, Operation>();
for (const op of OPERATIONS) {
  for (const template of pathTemplates(op)) {
    MODEL.set(key(op.method, template), op);
  }
}

jest.setTimeout(180_000);

describe('the permission model covers the installed MLflow', () => {
  let routes: MlflowRoute[] = [];

  beforeAll(() => {
    const listed = listMlflowRoutes();
    routes = listed.routes;
    console.debug(
      `MLflow ${listed.mlflowVersion}: ${routes.length} routes, ` +
        `${OPERATIONS.length} operations`
    );
  });

  it('lists the routes of both the Flask and the FastAPI app', () => {
    expect(routes.length).toBeGreaterThan(400);
    expect(routes.some(r => r.sources.includes('fastapi'))).toBe(true);
    expect(routes.some(r => r.sources.includes('flask'))).toBe(true);
  });

  it('classifies every route (an unclassified route is denied)', () => {
    const unclassified = routes
      .filter(route => !MODEL.has(key(route.method, route.path)))
      .map(
        route =>
          `${key(route.method, route.path)}  [${route.handlers.join(', ')}]`
      );
    expect(unclassified).toEqual([]);
  });

  it('has no operation for a route MLflow does not serve', () => {
    const served = new Set(routes.map(route => key(route.method, route.path)));
    const stale = [...MODEL.entries()]
      .filter(([routeKey]) => !served.has(routeKey))
      .map(([routeKey, op]) => `${routeKey}  (${op.id})`);
    expect(stale).toEqual([]);
  });

  it('matches each sample request to the operation of the route MLflow runs', () => {
    const mismatches: string[] = [];
    for (const route of routes) {
      const expected =
        route.dispatchedTo === null
          ? undefined
          : MODEL.get(key(route.method, route.dispatchedTo));
      const actual = matchOperation(route.method, route.sample);
      if (actual !== expected) {
        mismatches.push(
          `${route.method} ${route.sample}: MLflow runs ` +
            `${route.dispatchedTo ?? 'nothing'} (${expected?.id}), ` +
            `the matcher says ${actual?.id}`
        );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('denies near misses, or agrees with MLflow on where they go', () => {
    const disagreements: string[] = [];
    let denied = 0;
    for (const route of routes) {
      for (const probe of route.probes) {
        const actual = matchOperation(route.method, probe.path);
        const mlflowRuns =
          probe.dispatchedTo === null
            ? undefined
            : MODEL.get(key(route.method, probe.dispatchedTo));
        if (actual === undefined) {
          denied += 1;
        } else if (actual !== mlflowRuns) {
          disagreements.push(
            `${route.method} ${probe.path}: MLflow runs ` +
              `${probe.dispatchedTo ?? 'nothing'}, the matcher says ${actual.id}`
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(denied).toBeGreaterThan(routes.length);
    expect(
      matchOperation('GET', '/api/2.0/mlflow/unclassified')
    ).toBeUndefined();
  });
});
