import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { groupsLabel } from '../components/groups-label';
import { IMlflowAuth } from '../tokens';
import { MlflowPanelModel } from './model';
import { IPanelActions, PanelView } from './view';

/**
 * The content of the MLflow main-area panel: a thin view over its model.
 */
export class MlflowPanel extends ReactWidget {
  constructor(options: MlflowPanel.IOptions) {
    super();
    this.model = options.model;
    this._actions = options.actions;
    this._trans = options.trans;
    this.addClass('jp-MlflowPanel');
  }

  readonly model: MlflowPanelModel;

  /** Load the MLflow UI afresh at the current route. */
  reload(): void {
    this._reloadKey++;
    this.update();
  }

  override dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected override render(): JSX.Element {
    return (
      <PanelView
        model={this.model}
        actions={this._actions}
        trans={this._trans}
        reloadKey={this._reloadKey}
      />
    );
  }

  private readonly _actions: IPanelActions;
  private readonly _trans: TranslationBundle;
  private _reloadKey = 0;
}

export namespace MlflowPanel {
  export interface IOptions {
    model: MlflowPanelModel;
    actions: IPanelActions;
    trans: TranslationBundle;
  }
}

/**
 * Who is signed in, for the panel's toolbar: user name and groups.
 */
export class SignedInUser extends ReactWidget {
  constructor(
    private readonly _auth: IMlflowAuth,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-MlflowUser');
  }

  protected override render(): JSX.Element {
    return (
      <UseSignal signal={this._auth.changed}>
        {() => {
          const user = this._auth.user;
          if (user === null) {
            return <span>{this._trans.__('Not signed in')}</span>;
          }
          const groups = groupsLabel(user, this._trans);
          return (
            <span
              title={this._trans.__(
                'Signed in to MLflow as %1 (%2)',
                user.username,
                groups
              )}
            >
              <span className="jp-MlflowUser-name">{user.username}</span>
              <span className="jp-MlflowUser-groups">{groups}</span>
            </span>
          );
        }}
      </UseSignal>
    );
  }
}
