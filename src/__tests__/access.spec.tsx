import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';
import { createRoot } from 'react-dom/client';

import {
  AccessLevel,
  EVERYONE,
  IAccessAnswer,
  IAccessClient,
  IAccessResource,
  gatewayAccessClient,
  teamNameProblem
} from '../access/mlflow';
import { AccessModel } from '../access/model';
import { callerTeams } from '../access/open';
import { AccessView } from '../access/view';
import { MlflowApiError } from '../api';
import { settle } from './fake-mlflow';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const FORECASTS: IAccessResource = {
  kind: 'experiment',
  id: '7',
  label: 'team-a-forecasts'
};

/** The server's rules, for one resource: grants by team, `everyone` = open. */
class FakeAccess implements IAccessClient {
  grants = new Map<string, AccessLevel>([[EVERYONE, 'manage']]);
  canManage = true;
  fail: MlflowApiError | null = null;
  calls: string[] = [];

  async get(): Promise<IAccessAnswer> {
    this.calls.push('get');
    return this._answer();
  }

  async grant(
    _: IAccessResource,
    team: string,
    level: AccessLevel
  ): Promise<IAccessAnswer> {
    this.calls.push(`grant ${team} ${level}`);
    this._check();
    this.grants.set(team, level);
    return this._answer();
  }

  async revoke(_: IAccessResource, team: string): Promise<IAccessAnswer> {
    this.calls.push(`revoke ${team}`);
    this._check();
    this.grants.delete(team);
    return this._answer();
  }

  private _check(): void {
    if (this.fail) {
      throw this.fail;
    }
    if (!this.canManage) {
      throw new MlflowApiError(
        'forbidden',
        'You may not change who has access',
        403,
        'PERMISSION_DENIED'
      );
    }
  }

  private _answer(): IAccessAnswer {
    if (this.fail) {
      throw this.fail;
    }
    return {
      access: {
        kind: 'experiment',
        id: '7',
        restricted: !this.grants.has(EVERYONE),
        teams: [...this.grants].map(([team, level]) => ({ team, level })),
        users: [{ user: 'alice', level: 'manage' }]
      },
      canManage: this.canManage
    };
  }
}

function render(client: FakeAccess, suggestedTeams: string[] = []) {
  const model = new AccessModel({ client, resource: FORECASTS });
  const host = document.createElement('div');
  document.body.appendChild(host);
  const root = createRoot(host);
  act(() =>
    root.render(
      <AccessView
        model={model}
        suggestedTeams={suggestedTeams}
        trans={nullTranslator.load('test')}
      />
    )
  );
  const button = (label: string) => {
    const found = [...host.querySelectorAll('button')].find(
      b => b.textContent === label || b.getAttribute('aria-label') === label
    );
    if (!found) {
      throw new Error(`No button ${label} in: ${host.textContent}`);
    }
    return found;
  };
  const rows = () =>
    [...host.querySelectorAll('tbody tr')].map(row =>
      [...row.querySelectorAll('td')]
        .slice(0, 2)
        .map(cell => cell.textContent)
        .join(': ')
    );
  const type = (value: string) => {
    const input = host.querySelector<HTMLInputElement>('input')!;
    // React tracks the value it last set; set it as a user's typing does.
    const setter = Object.getOwnPropertyDescriptor(
      HTMLInputElement.prototype,
      'value'
    )!.set!;
    act(() => {
      setter.call(input, value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  };
  const choose = (level: AccessLevel) => {
    const select = host.querySelector('select')!;
    act(() => {
      select.value = level;
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
  };
  return { model, host, button, rows, type, choose };
}

const flush = () => act(settle);

describe('AccessView', () => {
  it('shows who may do what with an open experiment', async () => {
    const { host, rows, model } = render(new FakeAccess());
    await act(() => model.load());
    expect(host.textContent).toContain('Open: everyone reaches it');
    expect(rows()).toEqual([
      'Everyone, as their roles allow: manage',
      'alice (created it): manage',
      'MLflow administrators: manage'
    ]);
  });

  it('lets its manager give a team a level, restrict it, revoke and open it again', async () => {
    const client = new FakeAccess();
    const { host, rows, model, button, type, choose } = render(client);
    await act(() => model.load());
    type('team-a');
    choose('edit');
    act(() => button('Grant').click());
    await flush();
    act(() => button('Restrict to These Teams').click());
    await flush();
    expect(client.calls).toEqual([
      'get',
      'grant team-a edit',
      'revoke everyone'
    ]);
    expect(host.textContent).toContain('Restricted: only the teams');
    expect(rows()).toEqual([
      'Team team-a: edit',
      'alice (created it): manage',
      'MLflow administrators: manage'
    ]);
    expect(host.querySelector('input')!.value).toBe('');

    act(() => button('Revoke team-a').click());
    await flush();
    act(() => button('Open to Everyone').click());
    await flush();
    expect(client.calls.slice(3)).toEqual([
      'revoke team-a',
      'grant everyone manage'
    ]);
    expect(host.textContent).toContain('Open: everyone reaches it');
    expect(model.changes).toBe(4);
  });

  it('warns before restricting what no team has access to', async () => {
    const { host, model } = render(new FakeAccess());
    await act(() => model.load());
    expect(host.textContent).toContain('No team has access yet');
  });

  it('refuses a name that is not a team before asking the server', async () => {
    const client = new FakeAccess();
    const { host, model, button, type } = render(client);
    await act(() => model.load());
    type('team a');
    expect(button('Grant').disabled).toBe(true);
    expect(host.querySelector('[role=alert]')!.textContent).toContain(
      '“team a” is not a team name'
    );
    expect(client.calls).toEqual(['get']);
  });

  it('shows who has access, without changes, to one who does not manage it', async () => {
    const client = new FakeAccess();
    client.canManage = false;
    const { host, model } = render(client);
    await act(() => model.load());
    expect(host.querySelector('form')).toBeNull();
    expect(host.querySelector('.jp-MlflowAccess-revoke')).toBeNull();
    expect(host.textContent).toContain('Only its managers');
  });

  it('says why a change failed and keeps what it showed', async () => {
    const client = new FakeAccess();
    const { host, model, rows } = render(client);
    await act(() => model.load());
    client.canManage = false;
    await act(() => model.restrict());
    expect(host.querySelector('[role=alert]')!.textContent).toBe(
      'Not changed: You may not change who has access'
    );
    expect(rows()[0]).toBe('Everyone, as their roles allow: manage');
    expect(model.changes).toBe(0);
  });

  it('says "No access" with whom to ask when the resource is restricted to other teams', async () => {
    const client = new FakeAccess();
    client.fail = new MlflowApiError(
      'mlflow',
      'No experiment that you have access to. Ask its managers…',
      404,
      'RESOURCE_DOES_NOT_EXIST'
    );
    const { host, model, button } = render(client);
    await act(() => model.load());
    expect(host.querySelector('[role=alert] h2')!.textContent).toBe(
      'No access'
    );
    expect(host.textContent).toContain('Ask its managers');
    client.fail = null;
    act(() => button('Retry').click());
    await flush();
    expect(host.textContent).toContain('Open: everyone reaches it');
  });
});

describe('team names and suggestions', () => {
  it('accepts what the server accepts', () => {
    expect(teamNameProblem('team-a')).toBeNull();
    expect(teamNameProblem(EVERYONE)).toBeNull();
    expect(teamNameProblem('-a')).not.toBeNull();
    expect(teamNameProblem('a/b')).not.toBeNull();
    expect(teamNameProblem('x'.repeat(101))).not.toBeNull();
  });

  it('suggests the caller’s groups that are not roles', () => {
    expect(
      callerTeams({
        principal: 'reader',
        groups: ['team-b', 'readers', 'team-a'],
        roles: ['readers'],
        operations: []
      })
    ).toEqual(['team-a', 'team-b']);
    expect(callerTeams(null)).toEqual([]);
  });
});

describe('gatewayAccessClient', () => {
  it('asks and changes access under the UI API, with the token', async () => {
    const requests: Array<{ url: string; init: RequestInit }> = [];
    const client = gatewayAccessClient({
      gatewayUrl: 'https://gw.example',
      token: async () => 'a.b.c',
      fetch: (async (url: string, init: RequestInit) => {
        requests.push({ url, init });
        return new Response(JSON.stringify({ access: {}, canManage: true }));
      }) as unknown as typeof fetch
    });
    await client.get(FORECASTS);
    await client.grant(FORECASTS, 'team-a', 'read');
    await client.revoke(FORECASTS, EVERYONE);
    expect(requests.map(r => `${r.init.method} ${r.url}`)).toEqual([
      'GET https://gw.example/ajax-api/2.0/studio-mlflow/access/get?kind=experiment&id=7',
      'POST https://gw.example/ajax-api/2.0/studio-mlflow/access/grant',
      'POST https://gw.example/ajax-api/2.0/studio-mlflow/access/revoke'
    ]);
    expect(JSON.parse(requests[1].init.body as string)).toEqual({
      kind: 'experiment',
      id: '7',
      team: 'team-a',
      level: 'read'
    });
    expect(
      (requests[2].init.headers as Record<string, string>).Authorization
    ).toBe('Bearer a.b.c');
  });
});
