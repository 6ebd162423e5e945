import { nullTranslator } from '@jupyterlab/translation';

import {
  IDENTITY_ENDPOINT,
  KernelIdentityAnswer,
  ServerSettings,
  askKernelIdentity,
  kernelLine,
  watchKernelIdentity
} from '../identity/kernel';

const trans = nullTranslator.load('sagemaker_studio_mlflow');

const READER: KernelIdentityAnswer = {
  kind: 'ok',
  gatewayUrl: 'https://gw.example/prod/',
  identity: {
    principal: 'arn:aws:sts::123456789012:assumed-role/demo-readers/SageMaker',
    user: 'readers (shared execution role)',
    roles: ['readers'],
    teams: [],
    operations: ['runs.search']
  }
};

/** The Jupyter server's settings, with a fetch that answers `respond`'s replies in order. */
function server(
  ...replies: (() => Promise<Response>)[]
): ServerSettings & { calls: [string, RequestInit | undefined][] } {
  const calls: [string, RequestInit | undefined][] = [];
  return {
    baseUrl: '/user/me/',
    token: 'jupyter-token',
    init: { cache: 'no-store' },
    fetch: (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return (replies.shift() as () => Promise<Response>)();
    },
    calls
  } as any;
}

const json = (status: number, body: unknown) => () =>
  Promise.resolve({
    ok: status >= 200 && status < 300,
    status,
    json: () => Promise.resolve(body)
  } as Response);

describe('the kernels’ identity, asked of the Jupyter server', () => {
  it('asks the server extension with the server’s token and tells every watcher', async () => {
    const settings = server(json(200, READER));
    const seen: KernelIdentityAnswer[] = [];
    const stop = watchKernelIdentity(answer => seen.push(answer));
    expect(await askKernelIdentity(settings)).toEqual(READER);
    expect(settings.calls).toEqual([
      [
        `/user/me/${IDENTITY_ENDPOINT}`,
        expect.objectContaining({
          cache: 'no-store',
          headers: { Authorization: 'token jupyter-token' }
        })
      ]
    ]);
    expect(seen).toEqual([READER]);
    // A view that comes later gets the last answer at once.
    const late: KernelIdentityAnswer[] = [];
    watchKernelIdentity(answer => late.push(answer))();
    expect(late).toEqual([READER]);
    stop();
  });

  it('keeps a newer answer when an older one arrives last', async () => {
    let releaseOld: () => void = () => undefined;
    const old = () =>
      new Promise<Response>(resolve => {
        releaseOld = () =>
          resolve({
            ok: true,
            status: 200,
            json: () =>
              Promise.resolve({ ...READER, gatewayUrl: 'https://old/' })
          } as Response);
      });
    const settings = server(old, json(200, READER));
    const first = askKernelIdentity(settings);
    await askKernelIdentity(settings);
    releaseOld();
    expect(await first).toEqual(READER);
  });

  it.each([
    [
      json(404, {}),
      'does not run the sagemaker_studio_mlflow server extension'
    ],
    [json(500, {}), 'answered HTTP 500'],
    [() => Promise.reject(new TypeError('Failed to fetch')), 'Failed to fetch']
  ])('says in words when the server cannot tell (%#)', async (reply, words) => {
    const answer = await askKernelIdentity(server(reply));
    expect(answer.kind).toBe('failed');
    expect(answer.kind !== 'ok' && answer.message).toContain(words);
  });
});

describe('the kernels’ line', () => {
  it('names their roles, with whom they sign as in its title', () => {
    expect(kernelLine(READER, trans)).toEqual({
      text: 'Notebooks: readers',
      title: `Notebooks sign as ${
        READER.kind === 'ok' && READER.identity.principal
      } (MLflow user readers (shared execution role))`
    });
  });

  it.each([
    ['not-configured', 'Notebooks: not set up'],
    ['unreachable', 'Notebooks: gateway unreachable'],
    ['refused', 'Notebooks: refused'],
    ['failed', 'Notebooks: unknown']
  ] as const)('says %s in a word, the reason in its title', (kind, text) => {
    expect(
      kernelLine({ kind, gatewayUrl: '', message: 'Why, in words.' }, trans)
    ).toEqual({ text, title: 'Why, in words.' });
  });
});
