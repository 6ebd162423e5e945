import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { SignedInBar } from '../components/signed-in-bar';

import { groupsLabel } from '../components/groups-label';
import { mlflowUnavailable } from '../components/unavailable';
import { Message } from '../components/message';
import { SearchBox } from '../components/search-box';
import { SignInView } from '../components/sign-in-view';
import { UnconfiguredView } from '../components/unconfigured-view';
import { formatStart } from '../runs/format';
import type { IModelsActions } from './actions';
import {
  IModelVersion,
  IRegisteredModel,
  loadModelSnippet,
  modelUri
} from './mlflow';
import { IModelsError, ModelsModel } from './model';
import { useChanges } from '../components/use-changes';

export interface IModelsViewProps {
  model: ModelsModel;
  actions: IModelsActions;
  trans: TranslationBundle;
}

/**
 * The models view: sign-in, then the registered models, each opening to
 * its versions with their aliases, stages, authors and actions. Loaded with
 * `import()` when the sidebar is first shown (see `./widget`).
 */
export function ModelsView(props: IModelsViewProps): JSX.Element {
  const { model, trans, actions } = props;
  useChanges(model.changed);

  const session = model.session;
  switch (session.kind) {
    case 'unconfigured':
      return (
        <UnconfiguredView
          problems={session.problems}
          trans={trans}
          openSettings={actions.openSettings}
        />
      );
    case 'connecting':
      return <Message title={trans.__('Connecting to MLflow…')} busy />;
    case 'signed-out':
      return <SignInView auth={model.auth} trans={trans} />;
    case 'ready':
      return (
        <>
          <ModelList {...props} />
          <SignedInBar
            user={props.model.auth.user}
            trans={props.trans}
            onSignOut={props.actions.signOut}
          />
        </>
      );
  }
}

function ModelList(props: IModelsViewProps): JSX.Element {
  const { model, trans } = props;
  const list = model.models;
  const onSearch = React.useCallback(
    (query: string) => model.searchModels(query),
    [model]
  );
  return (
    <div className="jp-MlflowModels-body">
      <div className="jp-MlflowModels-toolbar">
        <h2 className="jp-MlflowModels-title">
          {trans.__('Registered models')}
        </h2>
        <button
          className="jp-MlflowModels-textButton"
          onClick={() => model.refresh()}
          disabled={list.loading}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      <SearchBox
        value={list.query}
        placeholder={trans.__('Search models by name')}
        label={trans.__('Search models')}
        onChange={onSearch}
      />
      {list.error !== null ? (
        <ErrorNotice {...props} error={list.error} />
      ) : list.items.length === 0 && !list.loading ? (
        <p className="jp-MlflowModels-empty">
          {list.query === ''
            ? trans.__(
                'No registered models yet. Register a run’s model from the run browser (right-click a run).'
              )
            : trans.__('No registered model’s name contains “%1”.', list.query)}
        </p>
      ) : (
        <ul
          className="jp-MlflowModels-list"
          aria-label={trans.__('Registered models')}
        >
          {list.items.map(registered => (
            <ModelItem
              {...props}
              key={registered.name}
              registered={registered}
            />
          ))}
        </ul>
      )}
      <ListFoot
        trans={trans}
        loading={list.loading}
        more={list.nextPageToken !== null && list.error === null}
        onMore={() => model.loadMoreModels()}
        moreLabel={trans.__('More models')}
      />
    </div>
  );
}

/** The newest version number among a model's latest versions. */
export function latestVersion(model: IRegisteredModel): string | null {
  const numbers = (model.latest_versions ?? []).map(v => Number(v.version));
  return numbers.length === 0 ? null : String(Math.max(...numbers));
}

function ModelItem(
  props: IModelsViewProps & { registered: IRegisteredModel }
): JSX.Element {
  const { model, trans, actions, registered } = props;
  const expanded = model.isExpanded(registered.name);
  const versions = model.versions(registered.name);
  const latest = latestVersion(registered);
  const Caret = expanded ? caretDownIcon : caretRightIcon;
  const versionsId = `jp-MlflowModels-versions-${encodeURIComponent(registered.name)}`;
  return (
    <li className="jp-MlflowModels-model">
      <div className="jp-MlflowModels-modelHead">
        <button
          className="jp-MlflowModels-modelName"
          aria-expanded={expanded}
          aria-controls={expanded ? versionsId : undefined}
          onClick={() => model.toggleExpanded(registered.name)}
        >
          <Caret.react tag="span" className="jp-MlflowModels-caret" />
          <span className="jp-MlflowModels-name">{registered.name}</span>
        </button>
        <button
          className="jp-MlflowModels-textButton"
          onClick={() => actions.openInMlflow(registered.name)}
          aria-label={trans.__('Open %1 in MLflow', registered.name)}
          title={trans.__('Open %1 in MLflow', registered.name)}
        >
          {trans.__('Open')}
        </button>
        {model.canSeeAccess && (
          <button
            className="jp-MlflowModels-textButton jp-MlflowModels-access"
            onClick={() => actions.showAccess(registered.name)}
            aria-label={trans.__('Who has access to %1', registered.name)}
            title={trans.__('Who may see and change %1', registered.name)}
          >
            {trans.__('Access')}
          </button>
        )}
      </div>
      <div className="jp-MlflowModels-summary">
        {latest !== null && (
          <span className="jp-MlflowModels-latest">
            {trans.__('latest version %1', latest)}
          </span>
        )}
        {(registered.aliases ?? []).map(({ alias, version }) => (
          <span key={alias} className="jp-MlflowModels-alias">
            {trans.__('@%1 → version %2', alias, version)}
          </span>
        ))}
      </div>
      {registered.description && (
        <p className="jp-MlflowModels-description">{registered.description}</p>
      )}
      {expanded && versions && (
        <div id={versionsId}>
          {versions.error !== null ? (
            <ErrorNotice {...props} error={versions.error} />
          ) : (
            <ul
              className="jp-MlflowModels-versions"
              aria-label={trans.__('Versions of %1', registered.name)}
            >
              {versions.items.map(version => (
                <VersionItem
                  {...props}
                  key={version.version}
                  version={version}
                />
              ))}
            </ul>
          )}
          <ListFoot
            trans={trans}
            loading={versions.loading}
            more={versions.nextPageToken !== null && versions.error === null}
            onMore={() => model.loadMoreVersions(registered.name)}
            moreLabel={trans.__('More versions')}
          />
        </div>
      )}
    </li>
  );
}

function VersionItem(
  props: IModelsViewProps & { version: IModelVersion }
): JSX.Element {
  const { model, trans, actions, version } = props;
  const aliases = model.versionAliases(version);
  const stage = version.current_stage ?? 'None';
  // By alias when it has one: the code follows the alias when it moves.
  const code = loadModelSnippet(version.name, version.version, aliases[0]);
  const uri = modelUri(version.name, version.version, aliases[0]);
  const when = version.creation_timestamp
    ? formatStart(version.creation_timestamp)
    : '';
  const exactWhen = version.creation_timestamp
    ? new Date(version.creation_timestamp).toLocaleString()
    : '';
  return (
    <li className="jp-MlflowModels-version" data-version={version.version}>
      <div className="jp-MlflowModels-versionHead">
        <button
          className="jp-MlflowModels-versionName"
          onClick={() => actions.openInMlflow(version.name, version.version)}
          title={trans.__('Open version %1 in MLflow', version.version)}
        >
          {trans.__('Version %1', version.version)}
        </button>
        {aliases.map(alias => (
          <span key={alias} className="jp-MlflowModels-alias">
            @{alias}
          </span>
        ))}
        {stage !== 'None' && (
          <span className="jp-MlflowModels-stage">{stage}</span>
        )}
      </div>
      <div className="jp-MlflowModels-versionMeta" title={exactWhen}>
        {version.user_id
          ? trans.__('Registered by %1 · %2', version.user_id, when)
          : trans.__('Registered %1 (author not recorded)', when)}
      </div>
      <div className="jp-MlflowModels-actions">
        <button
          className="jp-MlflowModels-textButton"
          onClick={() => actions.insertCode(code)}
          title={trans.__('Insert a cell that loads %1 into the notebook', uri)}
        >
          {trans.__('Insert code')}
        </button>
        {model.canSetAlias && (
          <button
            className="jp-MlflowModels-textButton"
            onClick={() => actions.setAlias(version)}
          >
            {trans.__('Set alias…')}
          </button>
        )}
        {model.canTransitionStage && (
          <button
            className="jp-MlflowModels-textButton"
            onClick={() => actions.setStage(version)}
          >
            {trans.__('Set stage…')}
          </button>
        )}
      </div>
    </li>
  );
}

function ListFoot(props: {
  trans: TranslationBundle;
  loading: boolean;
  more: boolean;
  onMore: () => void;
  moreLabel: string;
}): JSX.Element | null {
  if (props.loading) {
    return (
      <div className="jp-MlflowModels-loading" role="status" aria-busy>
        <span className="jp-MlflowModels-spinner" aria-hidden />
        {props.trans.__('Loading…')}
      </div>
    );
  }
  return props.more ? (
    <button className="jp-MlflowModels-more" onClick={props.onMore}>
      {props.moreLabel}
    </button>
  ) : null;
}

/** Why a call failed: the server's words, who is asking, a way to retry. */
function ErrorNotice(
  props: IModelsViewProps & { error: IModelsError }
): JSX.Element {
  const { error, trans, model } = props;
  const titles: Record<IModelsError['kind'], string> = {
    unreachable: trans.__('The MLflow gateway cannot be reached'),
    unauthorized: trans.__('The MLflow gateway did not accept your sign-in'),
    forbidden: trans.__('Your MLflow role does not allow this'),
    unavailable: mlflowUnavailable(trans).title,
    mlflow: trans.__('MLflow answered with an error')
  };
  return (
    <div className="jp-MlflowModels-error" role="alert">
      <div className="jp-MlflowModels-errorTitle">{titles[error.kind]}</div>
      <div>{error.message}</div>
      {error.kind === 'unavailable' && <p>{mlflowUnavailable(trans).advice}</p>}
      {error.kind === 'forbidden' && (
        <p>
          {trans.__(
            'You are signed in as %1 (%2).',
            model.auth.user?.username ?? '?',
            groupsLabel(model.auth.user, trans)
          )}
        </p>
      )}
      <button className="jp-mod-styled" onClick={() => model.refresh()}>
        {trans.__('Try again')}
      </button>
    </div>
  );
}
