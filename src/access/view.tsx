import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { Message } from '../components/message';
import {
  ACCESS_LEVELS,
  AccessLevel,
  EVERYONE,
  IResourceAccess,
  teamNameProblem
} from './mlflow';
import { AccessModel } from './model';
import { useChanges } from '../components/use-changes';

export interface IAccessViewProps {
  model: AccessModel;
  /** Teams to suggest in the grant form (the caller's own). */
  suggestedTeams: ReadonlyArray<string>;
  trans: TranslationBundle;
}

/**
 * Who may do what with an experiment or a registered model, and, for its
 * managers, the form that grants a team a level, the revocations and the
 * switch between open and restricted.
 */
export function AccessView(props: IAccessViewProps): JSX.Element {
  const { model, trans } = props;
  useChanges(model.changed);

  const state = model.state;
  switch (state.kind) {
    case 'loading':
      return <Message title={trans.__('Loading who has access…')} busy />;
    case 'failed':
      return (
        <Message
          title={
            state.noAccess
              ? trans.__('No access')
              : trans.__('Who has access could not be loaded')
          }
          error
        >
          <p>{state.message}</p>
          <button className="jp-mod-styled" onClick={() => void model.load()}>
            {trans.__('Retry')}
          </button>
        </Message>
      );
    case 'ready':
      return (
        <div className="jp-MlflowAccess" aria-busy={model.busy}>
          <p className="jp-MlflowAccess-status">
            {state.access.restricted
              ? trans.__(
                  'Restricted: only the teams and users below and MLflow administrators reach it.'
                )
              : trans.__(
                  'Open: everyone reaches it, as their roles allow. Restrict it to keep it to the teams below.'
                )}
          </p>
          <GrantTable
            {...props}
            access={state.access}
            manage={state.canManage}
          />
          {state.canManage ? (
            <>
              <GrantForm {...props} />
              <OpenOrRestrict {...props} access={state.access} />
            </>
          ) : (
            <p className="jp-MlflowAccess-note">
              {trans.__(
                'Only its managers (its creator, a team with manage, or an MLflow administrator) change who has access.'
              )}
            </p>
          )}
          {model.problem !== null && (
            <p className="jp-MlflowAccess-problem" role="alert">
              {trans.__('Not changed: %1', model.problem)}
            </p>
          )}
        </div>
      );
  }
}

/** What each level lets a member do, as the docs say. */
export function levelWords(
  level: AccessLevel,
  trans: TranslationBundle
): string {
  switch (level) {
    case 'read':
      return trans.__('read: see it, search it, download its artifacts');
    case 'edit':
      return trans.__('edit: also change it and add runs or versions');
    case 'manage':
      return trans.__('manage: also delete it and change who has access');
  }
}

function GrantTable(
  props: IAccessViewProps & { access: IResourceAccess; manage: boolean }
): JSX.Element {
  const { model, trans, access, manage } = props;
  const teams = [...access.teams].sort((a, b) =>
    a.team === EVERYONE
      ? -1
      : b.team === EVERYONE
        ? 1
        : a.team < b.team
          ? -1
          : 1
  );
  return (
    <table
      className="jp-MlflowAccess-table"
      aria-label={trans.__('Who has access')}
    >
      <thead>
        <tr>
          <th>{trans.__('Who')}</th>
          <th>{trans.__('Level')}</th>
          <th>
            <span className="jp-MlflowAccess-hidden">{trans.__('Change')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {teams.map(({ team, level }) => (
          <tr key={`team:${team}`} data-team={team}>
            <td>
              {team === EVERYONE
                ? trans.__('Everyone, as their roles allow')
                : trans.__('Team %1', team)}
            </td>
            <td title={levelWords(level, trans)}>{level}</td>
            <td>
              {manage && team !== EVERYONE && (
                <button
                  className="jp-MlflowAccess-revoke"
                  disabled={model.busy}
                  onClick={() => void model.revoke(team)}
                  aria-label={trans.__('Revoke %1', team)}
                >
                  {trans.__('Revoke')}
                </button>
              )}
            </td>
          </tr>
        ))}
        {access.users.map(({ user, level }) => (
          <tr key={`user:${user}`}>
            <td>{trans.__('%1 (created it)', user)}</td>
            <td title={levelWords(level, trans)}>{level}</td>
            <td />
          </tr>
        ))}
        <tr>
          <td>{trans.__('MLflow administrators')}</td>
          <td title={levelWords('manage', trans)}>manage</td>
          <td />
        </tr>
      </tbody>
    </table>
  );
}

function GrantForm(props: IAccessViewProps): JSX.Element {
  const { model, trans, suggestedTeams } = props;
  const [team, setTeam] = React.useState('');
  const [level, setLevel] = React.useState<AccessLevel>('read');
  const name = team.trim();
  const problem = name === '' ? null : teamNameProblem(name);
  const listId = `jp-MlflowAccess-teams-${model.resource.kind}`;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (name !== '' && problem === null && (await model.grant(name, level))) {
      setTeam('');
    }
  };
  return (
    <form className="jp-MlflowAccess-grant" onSubmit={submit}>
      <label>
        {trans.__('Team')}
        <input
          className="jp-mod-styled"
          value={team}
          list={listId}
          placeholder="team-a"
          aria-invalid={problem !== null}
          onChange={event => setTeam(event.currentTarget.value)}
        />
      </label>
      <datalist id={listId}>
        {suggestedTeams.map(suggested => (
          <option key={suggested} value={suggested} />
        ))}
      </datalist>
      <label>
        {trans.__('Level')}
        <select
          className="jp-mod-styled"
          value={level}
          onChange={event => setLevel(event.currentTarget.value as AccessLevel)}
        >
          {ACCESS_LEVELS.map(option => (
            <option key={option} value={option}>
              {levelWords(option, trans)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        disabled={model.busy || name === '' || problem !== null}
      >
        {trans.__('Grant')}
      </button>
      {problem !== null && (
        <p className="jp-MlflowAccess-problem" role="alert">
          {trans.__('“%1” is not a team name: %2.', name, problem)}
        </p>
      )}
    </form>
  );
}

function OpenOrRestrict(
  props: IAccessViewProps & { access: IResourceAccess }
): JSX.Element {
  const { model, trans, access } = props;
  const hasTeams = access.teams.some(grant => grant.team !== EVERYONE);
  return access.restricted ? (
    <button
      className="jp-mod-styled jp-MlflowAccess-open"
      disabled={model.busy}
      onClick={() => void model.open()}
    >
      {trans.__('Open to Everyone')}
    </button>
  ) : (
    <div className="jp-MlflowAccess-restrict">
      <button
        className="jp-mod-styled jp-mod-warn"
        disabled={model.busy}
        onClick={() => void model.restrict()}
      >
        {trans.__('Restrict to These Teams')}
      </button>
      {!hasTeams && (
        <span className="jp-MlflowAccess-note">
          {trans.__(
            'No team has access yet: restricted, it is left to its creator and MLflow administrators.'
          )}
        </span>
      )}
    </div>
  );
}
