import {
  EDGE_REFUSALS,
  EdgeRefusalType,
  REFUSALS,
  RefusalType,
  edgeRefusal,
  refusal
} from '../../../src/apigateway/refusals';
import { SDK_AUTH_PROVIDER } from '../../../src/contract';

/** What a user following the AWS blog (MLflow's stock signer) must change. */
const STOCK_SIGNER_FIX = [
  `MLFLOW_TRACKING_AUTH=${SDK_AUTH_PROVIDER}`,
  'unset MLFLOW_TRACKING_AWS_SIGV4'
];

describe('refusals', () => {
  it('answer with the table’s status, error type and MLflow error format', () => {
    expect(refusal('REQUEST_TOO_LARGE')).toEqual({
      type: 'REQUEST_TOO_LARGE',
      status: 413,
      errorType: 'BadRequestException',
      body: {
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          'The request is larger than the gateway’s 10 MB; large artifacts go to S3 directly.'
      }
    });
  });

  it('take what API Gateway fills in itself from the caller', () => {
    expect(
      refusal('MISSING_AUTHENTICATION_TOKEN', {
        errorType: 'IncompleteSignatureException'
      })
    ).toEqual({
      type: 'MISSING_AUTHENTICATION_TOKEN',
      status: 403,
      errorType: 'IncompleteSignatureException',
      body: {
        error_code: 'PERMISSION_DENIED',
        message: REFUSALS.MISSING_AUTHENTICATION_TOKEN.message
      }
    });
    expect(refusal('DEFAULT_4XX', { status: 400, message: 'bad' })).toEqual({
      type: 'DEFAULT_4XX',
      status: 400,
      body: { error_code: 'BAD_REQUEST', message: 'bad' }
    });
  });

  it('cannot be told otherwise than the table says', () => {
    expect(() =>
      refusal('ACCESS_DENIED', { status: 401, message: 'no' })
    ).toThrow(/status is the table's/);
    expect(() => refusal('REQUEST_TOO_LARGE', { message: 'too big' })).toThrow(
      /message is the table's/
    );
  });

  it('answer a bad signature with the fix for MLflow’s stock signer, keeping API Gateway’s words', () => {
    const mismatch =
      'The request signature we calculated does not match the signature you provided.';
    const answer = refusal('INVALID_SIGNATURE', {
      errorType: 'InvalidSignatureException',
      message: mismatch
    });
    expect(answer).toMatchObject({
      status: 403,
      errorType: 'InvalidSignatureException',
      body: { error_code: 'PERMISSION_DENIED', gateway_message: mismatch }
    });
    for (const words of STOCK_SIGNER_FIX) {
      expect(answer.body.message).toContain(words);
    }
    expect(() => refusal('INVALID_SIGNATURE')).toThrow(/message/);
  });

  it('need API Gateway’s message where the table has none', () => {
    expect(() => refusal('ACCESS_DENIED')).toThrow(/message/);
  });

  it('fix every status API Gateway does not choose per request', () => {
    const open = (Object.keys(REFUSALS) as RefusalType[]).filter(
      type => !('status' in REFUSALS[type])
    );
    expect(open.sort()).toEqual(['DEFAULT_4XX', 'DEFAULT_5XX']);
  });

  it('give the web ACL’s refusals the status and code of their kind, with a message of their own', () => {
    expect(edgeRefusal('RATE_LIMITED')).toEqual({
      type: 'THROTTLED',
      status: 429,
      body: {
        error_code: 'REQUEST_LIMIT_EXCEEDED',
        message: EDGE_REFUSALS.RATE_LIMITED.message
      }
    });
    for (const type of Object.keys(EDGE_REFUSALS) as EdgeRefusalType[]) {
      const answer = edgeRefusal(type);
      expect(answer.body.error_code).toBe(
        REFUSALS[EDGE_REFUSALS[type].type].errorCode
      );
      expect(answer.body.message).toBe(EDGE_REFUSALS[type].message);
    }
    expect(edgeRefusal('NON_CANONICAL_PATH')).toMatchObject({
      status: 400,
      errorType: 'BadRequestException'
    });
  });
});
