/**
 * Headers that describe one connection rather than the message (RFC 9110
 * §7.6.1): they end at each hop, and a proxy frames the message it passes on
 * itself. Proxy-Connection is the pre-standard Connection some clients send.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
]);

type Headers = Record<string, string | string[] | number | undefined>;

/** The header names a Connection header lists, lower-cased. */
function connectionOptions(value: Headers[string]): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values
    .filter((item): item is string => typeof item === 'string')
    .flatMap(item => item.split(','))
    .map(name => name.trim().toLowerCase())
    .filter(name => name !== '');
}

/**
 * `headers` (names lower-cased, as Node and undici give them) without the
 * hop-by-hop ones and without those their Connection header names.
 */
export function endToEndHeaders<H extends Headers>(headers: H): H {
  const dropped = new Set([
    ...HOP_BY_HOP_HEADERS,
    ...connectionOptions(headers['connection'])
  ]);
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !dropped.has(name))
  ) as H;
}
