import { TranslationBundle } from '@jupyterlab/translation';

import type { IApiOptions } from '../api';
import type { ICallerPermissions } from '../contract';
import { notifyError } from '../notify';
import type { IAccessResource } from './mlflow';

/**
 * Open the Access view of `resource` (its code loads on first use).
 *
 * @returns how many changes its managers made, 0 when it could not load.
 */
export async function openAccessDialog(options: {
  api: IApiOptions;
  resource: IAccessResource;
  permissions: ICallerPermissions | null;
  trans: TranslationBundle;
}): Promise<number> {
  const { api, resource, permissions, trans } = options;
  try {
    const { showAccessDialog, gatewayAccessClient } = await import(
      /* webpackChunkName: "mlflow-access" */ './deferred'
    );
    return await showAccessDialog({
      client: gatewayAccessClient(api),
      resource,
      suggestedTeams: callerTeams(permissions),
      trans
    });
  } catch (reason) {
    notifyError(
      trans.__(
        'The Access view could not open: %1',
        (reason as Error).message ?? String(reason)
      )
    );
    return 0;
  }
}

/** The caller's groups that are not roles: the teams it may know of. */
export function callerTeams(permissions: ICallerPermissions | null): string[] {
  if (permissions === null) {
    return [];
  }
  const roles = new Set(permissions.roles);
  return permissions.groups.filter(group => !roles.has(group)).sort();
}
