import {
  compareRunsRoute,
  experimentRoute,
  mlflowUrl,
  modelVersionRoute,
  registeredModelRoute,
  runRoute
} from '../panel/routes';

describe('MLflow UI deep links', () => {
  it('builds the hash routes of the stock UI', () => {
    expect(experimentRoute('12')).toBe('/experiments/12');
    expect(runRoute('12', 'abc')).toBe('/experiments/12/runs/abc');
    expect(registeredModelRoute('churn model')).toBe('/models/churn%20model');
    expect(modelVersionRoute('churn/model', '3')).toBe(
      '/models/churn%2Fmodel/versions/3'
    );
  });

  it('compares runs by JSON lists of run and experiment ids', () => {
    const route = compareRunsRoute(['r1', 'r2'], ['1', '1']);
    const query = new URLSearchParams(route.split('?')[1]);
    expect(route.startsWith('/compare-runs?')).toBe(true);
    expect(JSON.parse(query.get('runs')!)).toEqual(['r1', 'r2']);
    expect(JSON.parse(query.get('experiments')!)).toEqual(['1']);
  });

  it('puts the route after the gateway URL and its stage', () => {
    expect(mlflowUrl('https://x.example/prod', '/models')).toBe(
      'https://x.example/prod/#/models'
    );
    expect(mlflowUrl('http://127.0.0.1:5580', 'nonsense')).toBe(
      'http://127.0.0.1:5580/#/'
    );
  });
});
