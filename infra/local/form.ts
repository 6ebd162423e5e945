/**
 * A form body (`application/x-www-form-urlencoded`) read whole, up to a
 * bound: the local identity provider's sign-in page and the managed login
 * stand-in's token endpoint take small forms only.
 */

/** What a sign-in or token form may weigh. */
export const MAX_FORM_BYTES = 16 * 1024;

/** A form body past {@link MAX_FORM_BYTES}. */
export class FormTooLargeError extends Error {
  constructor() {
    super(`The form is larger than ${MAX_FORM_BYTES} bytes.`);
    this.name = 'FormTooLargeError';
  }
}

export async function readForm(
  body: AsyncIterable<Buffer | string>
): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_FORM_BYTES) {
      throw new FormTooLargeError();
    }
    chunks.push(bytes);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
