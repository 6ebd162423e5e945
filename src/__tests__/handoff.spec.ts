import { HANDOFF_PATH } from '../contract';
import { TokenHandoff } from '../handoff/client';
import { CHANNEL } from '../handoff/protocol';

const GATEWAY = 'https://gw.example.com/prod';
const ORIGIN = 'https://gw.example.com';

/** A message to JupyterLab's window, from `source` at `origin`. */
function post(source: Window | null, data: unknown, origin = ORIGIN) {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
}

/** Answer as the gateway's page would, from the frame's window. */
function fromPage(frame: HTMLIFrameElement, data: unknown, origin = ORIGIN) {
  post(frame.contentWindow, data, origin);
}

/** Let the hand-off act on what it was told. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await Promise.resolve();
  }
}

/** Whether a promise has resolved or rejected, without waiting for it. */
function watch(promise: Promise<void>): () => boolean {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true)
  );
  return () => settled;
}

function setup(timeoutMs = 1000) {
  const host = document.createElement('div');
  document.body.appendChild(host);
  const handoff = new TokenHandoff({ gatewayUrl: GATEWAY, timeoutMs, host });
  const frame = () => host.querySelector('iframe') as HTMLIFrameElement;
  return { handoff, frame, host };
}

describe('TokenHandoff', () => {
  it('loads the page hidden, waits for it, and posts the token to its origin only', async () => {
    const s = setup();
    const stored = s.handoff.store('aaa.bbb.ccc');
    const frame = s.frame();
    expect(frame.src).toBe(`${GATEWAY}${HANDOFF_PATH}`);
    expect(frame.hidden).toBe(true);
    const post = jest.spyOn(frame.contentWindow!, 'postMessage');

    fromPage(frame, { channel: CHANNEL, type: 'ready' });
    await Promise.resolve();
    await Promise.resolve();
    expect(post).toHaveBeenCalledWith(
      { channel: CHANNEL, type: 'store-token', id: 1, token: 'aaa.bbb.ccc' },
      ORIGIN
    );
    fromPage(frame, { channel: CHANNEL, type: 'done', id: 1 });
    await expect(stored).resolves.toBeUndefined();

    // The frame stays: the next token goes to the same page.
    const cleared = s.handoff.clear();
    await Promise.resolve();
    await Promise.resolve();
    expect(post).toHaveBeenLastCalledWith(
      { channel: CHANNEL, type: 'clear-token', id: 2 },
      ORIGIN
    );
    fromPage(frame, { channel: CHANNEL, type: 'done', id: 2 });
    await expect(cleared).resolves.toBeUndefined();
    expect(s.host.querySelectorAll('iframe')).toHaveLength(1);
    s.handoff.dispose();
    expect(s.host.querySelectorAll('iframe')).toHaveLength(0);
  });

  // Each part of the check on its own: a page of another origin, or another
  // window of the gateway's origin (say, an MLflow UI frame running a
  // script), must neither start the hand-off nor answer for the page.
  it.each([
    [
      'another origin, from the frame',
      (frame: HTMLIFrameElement) => ({
        source: frame.contentWindow,
        origin: 'https://evil.example'
      })
    ],
    [
      "the gateway's origin, from another window",
      () => {
        const other = document.createElement('iframe');
        document.body.appendChild(other);
        return { source: other.contentWindow, origin: ORIGIN };
      }
    ]
  ])('ignores messages from %s', async (_case, impostorOf) => {
    const s = setup();
    const stored = s.handoff.store('aaa.bbb.ccc');
    const isSettled = watch(stored);
    const frame = s.frame();
    const impostor = impostorOf(frame);
    const sent = jest.spyOn(frame.contentWindow!, 'postMessage');

    post(impostor.source, { channel: CHANNEL, type: 'ready' }, impostor.origin);
    await settle();
    expect(sent).not.toHaveBeenCalled();

    fromPage(frame, { channel: CHANNEL, type: 'ready' });
    await settle();
    expect(sent).toHaveBeenCalledTimes(1);

    post(
      impostor.source,
      { channel: CHANNEL, type: 'done', id: 1 },
      impostor.origin
    );
    post(
      impostor.source,
      { channel: CHANNEL, type: 'refused', id: 1, reason: 'forged' },
      impostor.origin
    );
    await settle();
    expect(isSettled()).toBe(false);

    fromPage(frame, { channel: CHANNEL, type: 'done', id: 1 });
    await expect(stored).resolves.toBeUndefined();
    s.handoff.dispose();
  });

  it("rejects with the page's reason when it refuses", async () => {
    const s = setup();
    const stored = s.handoff.store('aaa.bbb.ccc');
    const frame = s.frame();
    fromPage(frame, { channel: CHANNEL, type: 'ready' });
    await Promise.resolve();
    await Promise.resolve();
    fromPage(frame, {
      channel: CHANNEL,
      type: 'refused',
      id: 1,
      reason: 'not allowed'
    });
    await expect(stored).rejects.toMatchObject({
      reason: 'refused',
      message: 'not allowed'
    });
    s.handoff.dispose();
  });

  it('times out when the page never loads, and tries afresh next time', async () => {
    const s = setup(50);
    await expect(s.handoff.store('aaa.bbb.ccc')).rejects.toMatchObject({
      reason: 'timeout'
    });
    expect(s.host.querySelectorAll('iframe')).toHaveLength(0);
    const again = s.handoff.store('aaa.bbb.ccc');
    expect(s.host.querySelectorAll('iframe')).toHaveLength(1);
    s.handoff.dispose();
    await expect(again).rejects.toThrow();
  });

  it("tells who replaced the MLflow UI's cookie, when its own page says so", async () => {
    const s = setup();
    void s.handoff.store('aaa.bbb.ccc').catch(() => undefined);
    const frame = s.frame();
    fromPage(frame, { channel: CHANNEL, type: 'ready' });
    await settle();
    const replaced: string[] = [];
    s.handoff.cookieReplaced.connect((_, user) => replaced.push(user));
    const notice = { channel: CHANNEL, type: 'cookie-replaced', username: 'a' };
    // Neither another origin nor another window of the gateway may say it.
    fromPage(frame, notice, 'https://evil.example.com');
    post(window, notice);
    expect(replaced).toEqual([]);
    fromPage(frame, notice);
    expect(replaced).toEqual(['a']);
    s.handoff.dispose();
  });
});
