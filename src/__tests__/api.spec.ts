import { MlflowApiError, callMlflow } from '../api';

function respond(status: number, body: unknown): typeof fetch {
  return jest.fn(
    async () =>
      new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status
      })
  ) as unknown as typeof fetch;
}

const options = (fetchImpl: typeof fetch) => ({
  gatewayUrl: 'https://gw.example.com/prod',
  token: async () => 'aaa.bbb.ccc',
  fetch: fetchImpl
});

describe('callMlflow', () => {
  it('calls the UI API under the gateway with the token as a header, not a cookie', async () => {
    const fetchImpl = respond(200, { experiments: [] });
    await expect(
      callMlflow(options(fetchImpl), '2.0/mlflow/experiments/search', {
        query: { max_results: '1', filter: "name = 'a b'" }
      })
    ).resolves.toEqual({ experiments: [] });
    const [url, init] = (fetchImpl as jest.Mock).mock.calls[0];
    expect(url).toBe(
      'https://gw.example.com/prod/ajax-api/2.0/mlflow/experiments/search?max_results=1&filter=name+%3D+%27a+b%27'
    );
    expect(init.headers).toEqual({ Authorization: 'Bearer aaa.bbb.ccc' });
    expect(init.credentials).toBe('omit');
  });

  it('sends JSON bodies', async () => {
    const fetchImpl = respond(200, {});
    await callMlflow(options(fetchImpl), '2.0/mlflow/runs/search', {
      method: 'POST',
      body: { experiment_ids: ['1'] }
    });
    const [, init] = (fetchImpl as jest.Mock).mock.calls[0];
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"experiment_ids":["1"]}');
    expect(init.headers['Content-Type']).toBe('application/json');
  });

  it.each([
    [401, { message: 'Unauthorized' }, 'unauthorized', 'Unauthorized'],
    [
      403,
      { error_code: 'PERMISSION_DENIED', message: 'User is not authorized' },
      'forbidden',
      'User is not authorized'
    ],
    [
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad filter' },
      'mlflow',
      'bad filter'
    ],
    [502, '<html>Bad gateway</html>', 'unavailable', 'HTTP 502'],
    [
      502,
      {
        error_code: 'BAD_GATEWAY',
        message: 'MLflow is not reachable behind the gateway.'
      },
      'unavailable',
      'MLflow is not reachable behind the gateway.'
    ],
    [
      503,
      { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'database down' },
      'unavailable',
      'database down'
    ],
    [
      504,
      { error_code: 'GATEWAY_TIMEOUT', message: 'MLflow did not answer' },
      'unavailable',
      'MLflow did not answer'
    ],
    [500, { error_code: 'INTERNAL_ERROR', message: 'boom' }, 'mlflow', 'boom']
  ])(
    'turns %i into a %s error with a readable message',
    async (status, body, kind, message) => {
      const call = callMlflow(options(respond(status, body)), '2.0/mlflow/x');
      await expect(call).rejects.toBeInstanceOf(MlflowApiError);
      await expect(call).rejects.toMatchObject({ kind, message, status });
    }
  );

  it('says the gateway is unreachable when fetch fails', async () => {
    const fetchImpl = jest.fn(async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    await expect(
      callMlflow(options(fetchImpl), '2.0/mlflow/x')
    ).rejects.toMatchObject({
      kind: 'unreachable',
      message:
        'The MLflow gateway at https://gw.example.com/prod cannot be reached.'
    });
  });
});
