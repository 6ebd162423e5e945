/**
 * A value built on first use from code loaded with `import()`, so that
 * JupyterLab's start-up does not carry it. Commands registered at start-up
 * answer from `value` (null until loaded: nothing shown, nothing to act on)
 * and `load()` it when executed.
 */
export class Lazy<T> {
  constructor(private readonly _create: () => Promise<T>) {}

  /** A holder whose value is already there (for tests and callers that have it). */
  static of<T>(value: T): Lazy<T> {
    const lazy = new Lazy(async () => value);
    lazy._value = value;
    lazy._loading = Promise.resolve(value);
    return lazy;
  }

  /** The value, or null until it is loaded. */
  get value(): T | null {
    return this._value;
  }

  /** Loads the value once; a failed load is tried again on the next call. */
  load(): Promise<T> {
    if (this._loading === null) {
      this._loading = this._create().then(
        value => {
          this._value = value;
          return value;
        },
        reason => {
          this._loading = null;
          throw reason;
        }
      );
    }
    return this._loading;
  }

  private _value: T | null = null;
  private _loading: Promise<T> | null = null;
}
