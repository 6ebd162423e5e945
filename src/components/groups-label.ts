import { TranslationBundle } from '@jupyterlab/translation';

import { IMlflowUser } from '../tokens';

/** A user's groups (their MLflow roles) for display, or "no group". */
export function groupsLabel(
  user: IMlflowUser | null,
  trans: TranslationBundle
): string {
  return user && user.groups.length > 0
    ? user.groups.join(', ')
    : trans.__('no group');
}
