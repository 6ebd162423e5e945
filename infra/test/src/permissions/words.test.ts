import {
  OPERATIONS,
  compileRoles,
  operationPhrase,
  refusalSentence,
  rolesThatMay
} from '../../../src/permissions';
import { permissionModelArtifact } from '../../../src/permissions/export';
import {
  PHRASED_OPERATIONS,
  derivedPhrase
} from '../../../src/permissions/words';

describe('the words of each operation', () => {
  it('gives every operation words, none of them its id or a path', () => {
    for (const op of OPERATIONS) {
      const phrase = operationPhrase(op);
      expect(phrase).toMatch(/^[A-Za-z][^/"\\]*[a-z)]$/);
      expect(phrase).not.toContain(op.id);
    }
  });

  it('has its own phrase for the operations users meet most', () => {
    expect(operationPhrase({ id: 'experiments.update' })).toBe(
      'rename an experiment'
    );
    expect(operationPhrase({ id: 'registered-models.set-alias' })).toBe(
      'set an alias of a registered model'
    );
    expect(operationPhrase({ id: 'experiments.create' })).toBe(
      'create an experiment'
    );
    const ids = new Set(OPERATIONS.map(op => op.id));
    for (const id of PHRASED_OPERATIONS) {
      expect(ids.has(id)).toBe(true);
    }
  });

  it('derives a phrase from the id for the rest', () => {
    expect(derivedPhrase('webhooks.create')).toBe('create a webhook');
    expect(derivedPhrase('mcp-servers.get')).toBe('read an MCP server');
    expect(derivedPhrase('datasets.search-via-get')).toBe('search datasets');
    expect(derivedPhrase('datasets.add-experiments')).toBe(
      'add experiments (datasets)'
    );
  });

  it('exports the words of every operation and the refusal’s sentence for Python', () => {
    const artifact = permissionModelArtifact();
    for (const op of artifact.operations) {
      expect(op.words).toBe(operationPhrase(op));
    }
    expect(artifact.refusal.template).toContain('{action}');
  });
});

describe('the refusal’s sentence', () => {
  const roles = compileRoles({
    roles: [
      {
        name: 'curators',
        description: 'Curators',
        extends: 'readers',
        allow: ['registered-models.set-alias']
      }
    ]
  });

  it('names the roles that may, operator roles included', () => {
    expect(rolesThatMay(roles, 'registered-models.set-alias')).toEqual([
      'admins',
      'curators',
      'model-approvers'
    ]);
    expect(rolesThatMay(roles, 'experiments.update')).toEqual(['admins']);
  });

  it('says what was refused, the caller’s roles and whom to ask', () => {
    expect(
      refusalSentence({
        operation: { id: 'experiments.update' },
        callerRoles: ['readers'],
        allowedRoles: ['admins']
      })
    ).toBe(
      'You may not rename an experiment (experiments.update). Your roles: readers. ' +
        'Roles that may: admins. Ask your MLflow administrator to add you to one of them.'
    );
    expect(
      refusalSentence({
        operation: { id: 'runs.search' },
        callerRoles: [],
        allowedRoles: ['readers']
      })
    ).toContain('Your roles: none.');
  });
});
