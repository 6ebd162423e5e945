import type { HttpAnswer } from '../../verify/http';
import {
  describeAnswer,
  exitCode,
  isRefusal,
  judge
} from '../../verify/verdict';

const answer = (
  status: number,
  body: unknown = '',
  headers: Record<string, string> = {}
): HttpAnswer => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body)
});

const denied = answer(
  403,
  { error_code: 'PERMISSION_DENIED', message: 'no' },
  { 'x-amzn-errortype': 'AccessDeniedException' }
);

describe('judge', () => {
  it('calls a 200 on an expected refusal a false allow', () => {
    expect(judge('refuse', answer(200, { experiments: [] }))).toBe(
      'FALSE ALLOW'
    );
  });

  it('calls MLflow’s own 400 on an expected refusal a false allow: the request got through', () => {
    const mlflow400 = answer(400, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Missing value for required parameter'
    });
    expect(isRefusal(mlflow400)).toBe(false);
    expect(judge('refuse', mlflow400)).toBe('FALSE ALLOW');
  });

  it('passes the gateway’s 401, 403 and its own 400 in MLflow’s format', () => {
    expect(judge('refuse', denied)).toBe('pass');
    expect(
      judge(
        'refuse',
        answer(
          401,
          { error_code: 'UNAUTHENTICATED', message: 'Unauthorized' },
          { 'x-amzn-errortype': 'UnauthorizedException' }
        )
      )
    ).toBe('pass');
    expect(
      judge(
        'refuse',
        answer(
          400,
          { error_code: 'INVALID_PARAMETER_VALUE', message: 'path' },
          { 'x-amzn-errortype': 'BadRequestException' }
        )
      )
    ).toBe('pass');
  });

  it('tells a refusal out of MLflow’s format from a false allow', () => {
    expect(judge('refuse', answer(403, '<html>Forbidden</html>'))).toBe(
      'refused, not MLflow format'
    );
  });

  it('does not call the gateway’s own failures an allow', () => {
    const unreachable = answer(502, {
      error_code: 'BAD_GATEWAY',
      message: 'MLflow is not reachable behind the gateway.'
    });
    expect(judge('refuse', unreachable)).toBe('fail');
    expect(judge('allow', unreachable)).toBe('fail');
    expect(judge('allow', answer(429, { message: 'Too Many Requests' }))).toBe(
      'fail'
    );
  });

  it('passes an expected allow that MLflow answered, found or not', () => {
    expect(judge('allow', answer(200, {}))).toBe('pass');
    expect(
      judge(
        'allow',
        answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'x' })
      )
    ).toBe('pass');
  });

  it('labels a refused allowed request a false refusal', () => {
    expect(judge('allow', denied)).toBe('false refusal');
    // The MLflow server app's own role refusal, past the gateway: still one.
    expect(
      judge(
        'allow',
        answer(403, { error_code: 'PERMISSION_DENIED', message: 'no' })
      )
    ).toBe('false refusal');
  });

  it('lets an allowed request through when MLflow’s per-resource layer refused it (team permissions), and only then', () => {
    const teams = answer(403, {
      error_code: 'PERMISSION_DENIED',
      message: 'restricted to teams',
      details: { reason: 'teams' }
    });
    expect(judge('allow', teams)).toBe('pass');
    // A refusal expected of the roles is still judged as one.
    expect(judge('refuse', teams)).toBe('pass');
    expect(
      judge(
        'allow',
        answer(403, {
          error_code: 'PERMISSION_DENIED',
          message: 'x',
          details: { reason: 'permission' }
        })
      )
    ).toBe('false refusal');
  });

  it('judges header checks by their problems', () => {
    expect(judge('headers', answer(204), [])).toBe('pass');
    expect(judge('headers', answer(204), ['no allow-origin'])).toBe('fail');
  });
});

describe('exitCode', () => {
  it('is 1 on any false allow, 2 on other failures only, 0 otherwise', () => {
    expect(exitCode([{ verdict: 'pass' }, { verdict: 'not checked' }])).toBe(0);
    expect(exitCode([{ verdict: 'pass' }, { verdict: 'false refusal' }])).toBe(
      2
    );
    expect(
      exitCode([{ verdict: 'false refusal' }, { verdict: 'FALSE ALLOW' }])
    ).toBe(1);
  });
});

describe('describeAnswer', () => {
  it('shows the status, the gateway’s error type and MLflow’s error code', () => {
    expect(describeAnswer(denied)).toBe(
      '403 AccessDeniedException PERMISSION_DENIED'
    );
    expect(describeAnswer(answer(200, '{}'))).toBe('200');
  });
});
