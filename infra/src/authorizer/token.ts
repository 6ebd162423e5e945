import { AUTH_COOKIE, bearerToken, tokenOfCookieValue } from '../contract';

export type Headers = Record<string, string | undefined> | null | undefined;

/** A request header's value, whatever the case of its name. */
export function headerValue(
  headers: Headers,
  name: string
): string | undefined {
  if (!headers) {
    return undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) {
      return value;
    }
  }
  return undefined;
}

/** The token of an `Authorization: Bearer <jwt>` header, if the request has one. */
export function tokenFromAuthorizationHeader(
  headers: Headers
): string | undefined {
  return bearerToken(headerValue(headers, 'authorization'));
}

/** The parts of a Cookie header (`name=value`, trimmed), each with its name. */
export function cookieParts(
  cookies: string
): { name: string; value: string; text: string }[] {
  return cookies
    .split(';')
    .map(part => part.trim())
    .filter(part => part !== '')
    .map(text => {
      const separator = text.indexOf('=');
      return separator < 0
        ? { name: '', value: text, text }
        : {
            name: text.slice(0, separator).trim(),
            value: text.slice(separator + 1).trim(),
            text
          };
    });
}

/**
 * The token the MLflow panel's hand-off page stored in the MLflow UI's header
 * cookie. Only for the reads the UI makes without a fresh header (plain-link
 * downloads, GraphQL);
 * the caller decides which those are.
 */
export function tokenFromCookie(headers: Headers): string | undefined {
  const cookies = headerValue(headers, 'cookie');
  if (!cookies) {
    return undefined;
  }
  const part = cookieParts(cookies).find(({ name }) => name === AUTH_COOKIE);
  return part === undefined ? undefined : tokenOfCookieValue(part.value);
}
