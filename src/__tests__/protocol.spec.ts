import { CHANNEL, isHandoffReply, isHandoffRequest } from '../handoff/protocol';

describe('messages', () => {
  it('accepts well-formed requests and replies only', () => {
    expect(
      isHandoffRequest({
        channel: CHANNEL,
        type: 'store-token',
        id: 1,
        token: 't'
      })
    ).toBe(true);
    expect(
      isHandoffRequest({ channel: CHANNEL, type: 'clear-token', id: 2 })
    ).toBe(true);
    expect(isHandoffReply({ channel: CHANNEL, type: 'ready' })).toBe(true);
    expect(isHandoffReply({ channel: CHANNEL, type: 'done', id: 1 })).toBe(
      true
    );
    for (const junk of [
      null,
      'store-token',
      { channel: 'other', type: 'store-token', id: 1, token: 't' },
      { channel: CHANNEL, type: 'store-token', id: 1 },
      { channel: CHANNEL, type: 'store-token', id: '1', token: 't' },
      { channel: CHANNEL, type: 'delete-everything', id: 1 }
    ]) {
      expect(isHandoffRequest(junk)).toBe(false);
    }
    expect(isHandoffReply({ channel: CHANNEL, type: 'store-token' })).toBe(
      false
    );
  });
});
