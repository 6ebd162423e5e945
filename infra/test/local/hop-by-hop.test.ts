import { HOP_BY_HOP_HEADERS, endToEndHeaders } from '../../local/hop-by-hop';

describe('the end-to-end headers of a message', () => {
  it('leave out every hop-by-hop header', () => {
    const headers: Record<string, string> = { 'x-amz-target': 'T' };
    for (const name of HOP_BY_HOP_HEADERS) {
      headers[name] = 'x';
    }
    expect(endToEndHeaders(headers)).toEqual({ 'x-amz-target': 'T' });
    expect([...HOP_BY_HOP_HEADERS].sort()).toEqual([
      'connection',
      'keep-alive',
      'proxy-connection',
      'te',
      'trailer',
      'transfer-encoding',
      'upgrade'
    ]);
  });

  it('leave out the headers Connection names, however it is written', () => {
    expect(
      endToEndHeaders({
        connection: ' Keep-Alive ,X-One,, x-two',
        'x-one': '1',
        'x-two': '2',
        'x-three': '3'
      })
    ).toEqual({ 'x-three': '3' });
    expect(
      endToEndHeaders({
        connection: ['x-one', 'X-Two'],
        'x-one': '1',
        'x-two': '2'
      })
    ).toEqual({});
  });

  it('keep the rest as they are, without changing what they were given', () => {
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '2',
      te: 'trailers'
    };
    expect(endToEndHeaders(headers)).toEqual({
      'content-type': 'application/x-amz-json-1.1',
      'set-cookie': ['a=1', 'b=2'],
      'content-length': '2'
    });
    expect(headers.te).toBe('trailers');
  });
});
