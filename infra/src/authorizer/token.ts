import { AUTH_COOKIE } from '../../../src/handoff/protocol';

/** The cookie the stock MLflow UI turns into an `Authorization` request header. */
export { AUTH_COOKIE };

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

/** A JWT is three base64url parts; anything else is not worth verifying. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function bearer(value: string | undefined): string | undefined {
  const match = value?.match(/^Bearer ([^\s]+)$/);
  return match && JWT_SHAPE.test(match[1]) ? match[1] : undefined;
}

/** The token of an `Authorization: Bearer <jwt>` header, if the request has one. */
export function tokenFromAuthorizationHeader(
  headers: Headers
): string | undefined {
  return bearer(headerValue(headers, 'authorization'));
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
  if (part === undefined) {
    return undefined;
  }
  try {
    return bearer(decodeURIComponent(part.value));
  } catch {
    return undefined;
  }
}
