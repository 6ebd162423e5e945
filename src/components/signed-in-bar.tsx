import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IMlflowUser } from '../tokens';
import { groupsLabel } from './groups-label';

/**
 * Who browses, with which groups (their roles), and a way out: the foot of
 * the run browser and of the models view.
 */
export function SignedInBar(props: {
  user: IMlflowUser | null;
  trans: TranslationBundle;
  onSignOut: () => void;
}): JSX.Element | null {
  const { user, trans, onSignOut } = props;
  if (user === null) {
    return null;
  }
  const groups = groupsLabel(user, trans);
  return (
    <div className="jp-MlflowSignedIn">
      <span
        className="jp-MlflowSignedIn-name"
        title={trans.__(
          'Signed in to MLflow as %1 (%2)',
          user.username,
          groups
        )}
      >
        {user.username}
      </span>
      <span className="jp-MlflowSignedIn-groups">{groups}</span>
      <button className="jp-MlflowSignedIn-signOut" onClick={onSignOut}>
        {trans.__('Sign out')}
      </button>
    </div>
  );
}
