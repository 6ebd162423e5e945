import {
  GATEWAY_PROOF_LENGTH,
  type LocalState,
  completeState,
  EXTRA_SEEDED_USERS,
  describeStack,
  localTeams
} from '../../local/stack';
import { DEFAULT_PORTS } from '../../local/config';
import { BUILT_IN_ROLES } from '../../src/roles';

describe('the local state', () => {
  it('makes a proof of 48 letters and digits and an operator key, new for each state', () => {
    const [one, two] = [completeState({}), completeState({})];
    expect(one.gatewayProof).toMatch(/^[A-Za-z0-9]+$/);
    expect(one.gatewayProof).toHaveLength(GATEWAY_PROOF_LENGTH);
    expect(GATEWAY_PROOF_LENGTH).toBe(48);
    expect(one.operator.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(one.operator.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect(two.gatewayProof).not.toBe(one.gatewayProof);
    expect(two.operator).not.toEqual(one.operator);
    // One user per role; of the further users, those whose role exists.
    expect(Object.keys(one.users).sort()).toEqual(
      [...BUILT_IN_ROLES, 'alice'].sort()
    );
    expect(EXTRA_SEEDED_USERS.carol).toBe('experimenters');
  });

  it('seeds a user for each role of the roles file, and drops those of a role it no longer has', () => {
    const roles = [...BUILT_IN_ROLES, 'experimenters'];
    const withOperatorRole = completeState({}, roles);
    expect(withOperatorRole.users.experimenters).toMatchObject({
      username: 'experimenters',
      teams: []
    });
    expect(withOperatorRole.users.experimenters.role).toBeUndefined();
    expect(withOperatorRole.users.carol).toMatchObject({
      username: 'carol',
      role: 'experimenters',
      teams: ['team-a']
    });
    // The same state, started again with the role gone from the roles file.
    const without = completeState(withOperatorRole, BUILT_IN_ROLES);
    expect(Object.keys(without.users).sort()).toEqual(
      [...BUILT_IN_ROLES, 'alice'].sort()
    );
    expect(without.users.admins).toEqual(withOperatorRole.users.admins);
    // ... and back: the role's users are new ones, the others kept.
    const again = completeState(without, roles);
    expect(again.users.readers).toEqual(withOperatorRole.users.readers);
    expect(again.users.carol.password).not.toBe(
      withOperatorRole.users.carol.password
    );
  });

  it('keeps what an older state file has, and adds the proof and operator key it lacks', () => {
    const old = completeState({});
    const saved: Partial<LocalState> = {
      users: old.users,
      jupyterlabToken: 'kept-token',
      cognito: { userPoolId: 'local_pool', clientId: 'client' }
    };
    const completed = completeState(saved);
    expect(completed).toMatchObject(saved);
    expect(completed.gatewayProof).toHaveLength(GATEWAY_PROOF_LENGTH);
    expect(completed.operator.accessKeyId).toMatch(/^AKIA/);
    // A complete state stays as it is.
    expect(completeState(completed)).toEqual(completed);
  });

  it('gives an older state’s users their seeded teams, and adds the seeded users it lacks', () => {
    const old = completeState({});
    // As an older checkout wrote it: no alice, and users without teams.
    const withoutTeams = Object.fromEntries(
      Object.entries(old.users)
        .filter(([key]) => key !== 'alice')
        .map(([key, user]) => [key, { ...user, teams: undefined }])
    );
    const completed = completeState({
      ...old,
      users: withoutTeams as unknown as LocalState['users']
    });
    expect(completed.users.readers).toEqual({
      ...old.users.readers,
      teams: ['team-a']
    });
    expect(completed.users.admins.password).toBe(old.users.admins.password);
    expect(completed.users.alice).toMatchObject({
      username: 'alice',
      role: 'model-approvers',
      teams: ['team-a']
    });
  });
});

describe('the stack file', () => {
  it('names the audit file, and holds neither the proof nor the operator key', () => {
    const state = {
      ...completeState({}),
      cognito: { userPoolId: 'local_pool', clientId: 'client' }
    };
    const stack = describeStack(
      DEFAULT_PORTS,
      state,
      { kind: 'sqlite', uri: 'sqlite:////repo/m.db', path: '/repo/m.db' },
      localTeams(state, {
        'team-a': { experiments: ['3'], registeredModels: ['m'] }
      }),
      '/repo/.local/audit/audit.jsonl'
    );
    expect(stack.teams['team-a']).toEqual({
      members: ['alice', 'reader'],
      experiments: ['3'],
      registeredModels: ['m']
    });
    expect(stack.users.readers.teams).toEqual(['team-a']);
    expect(stack.users.alice).toMatchObject({
      role: 'model-approvers',
      teams: ['team-a']
    });
    expect(stack.database.kind).toBe('sqlite');
    expect(stack.auditLog).toBe('/repo/.local/audit/audit.jsonl');
    expect(stack.mlflow).toBe(`http://127.0.0.1:${DEFAULT_PORTS.mlflow}`);
    const text = JSON.stringify(stack);
    expect(text).not.toContain(state.gatewayProof);
    expect(text).not.toContain(state.operator.accessKeyId);
    expect(text).not.toContain(state.operator.secretAccessKey);
  });
});
