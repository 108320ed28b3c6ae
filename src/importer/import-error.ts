/** A problem with the request itself (file, format, mapping): nothing was stored. */
export class ImportError extends Error {
  constructor(message: string, readonly status: 400 | 409 | 413 | 501 = 400) {
    super(message);
    this.name = 'ImportError';
  }
}
