import { isTeamRefusal } from '../access/mlflow';
import { callMlflow } from '../api';

/** The experiment or registered model a route of the MLflow UI shows, if any. */
export function routeResource(
  route: string
): { kind: 'experiment' | 'registered-model'; id: string } | null {
  const match = /^\/(experiments|models)\/([^/?#]+)/.exec(route);
  if (!match) {
    return null;
  }
  let id: string;
  try {
    id = decodeURIComponent(match[2]);
  } catch {
    return null;
  }
  return {
    kind: match[1] === 'experiments' ? 'experiment' : 'registered-model',
    id
  };
}

/**
 * Why the user may not see what `route` shows, in the MLflow server app's
 * words (whom to ask), when it is restricted to teams they are not in;
 * `null` otherwise. The stock MLflow UI shows a blank page for it.
 * Any other failure is left to the MLflow UI to show.
 */
export async function routeTeamRefusal(
  gatewayUrl: string,
  route: string,
  token: () => Promise<string>
): Promise<string | null> {
  const resource = routeResource(route);
  if (resource === null) {
    return null;
  }
  try {
    if (resource.kind === 'experiment') {
      await callMlflow({ gatewayUrl, token }, '2.0/mlflow/experiments/get', {
        query: { experiment_id: resource.id }
      });
    } else {
      await callMlflow(
        { gatewayUrl, token },
        '2.0/mlflow/registered-models/get',
        { query: { name: resource.id } }
      );
    }
  } catch (reason) {
    if (isTeamRefusal(reason)) {
      return (reason as Error).message;
    }
  }
  return null;
}
