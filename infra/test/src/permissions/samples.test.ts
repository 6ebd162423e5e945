import {
  OPERATIONS,
  matchOperation,
  pathTemplates
} from '../../../src/permissions';
import {
  operationSamplePath,
  samplePath
} from '../../../src/permissions/samples';

describe('sample paths', () => {
  it('fill parameters with names no object has', () => {
    expect(
      samplePath('/api/2.0/mlflow-artifacts/artifacts/{artifact_path+}')
    ).toBe('/api/2.0/mlflow-artifacts/artifacts/matrix/artifact_path');
    expect(samplePath('/api/3.0/mlflow/traces/{trace_id}/info')).toBe(
      '/api/3.0/mlflow/traces/matrix-trace_id/info'
    );
  });

  it('route back to their own operation, for every template', () => {
    for (const op of OPERATIONS) {
      for (const template of pathTemplates(op)) {
        expect(
          matchOperation(op.method, operationSamplePath(op, template))
        ).toBe(op);
      }
    }
  });

  it('refuse a template whose sample another operation would serve', () => {
    const get = OPERATIONS.find(op => op.id === 'experiments.get')!;
    expect(() =>
      operationSamplePath(get, '/api/2.0/mlflow/experiments/search')
    ).toThrow(/does not route to experiments\.get/);
  });
});
