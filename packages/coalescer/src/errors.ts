import { BreakwaterError, errorGuard } from '@breakwater/core';

/** The coalescer is closed: it starts and joins no more runs. */
export class CoalescerClosedError extends BreakwaterError {
  static readonly code = 'BREAKWATER_COALESCER_CLOSED';
  constructor() {
    super(CoalescerClosedError.code, 'The coalescer is closed');
  }
}

/** True for a {@link CoalescerClosedError} from any copy of this package. */
export const isCoalescerClosedError = errorGuard(CoalescerClosedError);

/** A process waited longer than `waitTimeoutMs` for the result of another process. */
export class CoalescerWaitTimeoutError extends BreakwaterError {
  static readonly code = 'BREAKWATER_COALESCER_WAIT_TIMEOUT';
  /** The coalesced key, as a string. */
  readonly key: string;
  /** The wait that passed, in ms. */
  readonly waitTimeoutMs: number;

  constructor(key: string, waitTimeoutMs: number) {
    super(
      CoalescerWaitTimeoutError.code,
      `Waited ${waitTimeoutMs} ms for another process to finish key "${key}"`,
    );
    this.key = key;
    this.waitTimeoutMs = waitTimeoutMs;
  }
}

/** True for a {@link CoalescerWaitTimeoutError} from any copy of this package. */
export const isCoalescerWaitTimeoutError = errorGuard(CoalescerWaitTimeoutError);

/**
 * A result could not cross processes: the serializer failed on the value (the callers of
 * the process that ran `fn` and the processes waiting for it all get this error), or on
 * the text read back.
 */
export class CoalescerSerializeError extends BreakwaterError {
  static readonly code = 'BREAKWATER_COALESCER_SERIALIZE';
  /** The coalesced key, as a string. */
  readonly key: string;
  /** `'serialize'` when the value could not be written, `'deserialize'` when it could not be read. */
  readonly step: 'serialize' | 'deserialize';

  constructor(
    key: string,
    step: 'serialize' | 'deserialize',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      CoalescerSerializeError.code,
      `The result of key "${key}" could not be ${step === 'serialize' ? 'serialized' : 'deserialized'}: ${detail}`,
      options,
    );
    this.key = key;
    this.step = step;
  }
}

/** True for a {@link CoalescerSerializeError} from any copy of this package. */
export const isCoalescerSerializeError = errorGuard(CoalescerSerializeError);

/** What crosses processes of an error: its name, message and `code` (when a string). */
export interface CoalescerRemoteErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}

/**
 * The `fn` run by another process rejected; `remote` carries that error's name, message
 * and code (the error itself does not cross processes).
 */
export class CoalescerRemoteError extends BreakwaterError {
  static readonly code = 'BREAKWATER_COALESCER_REMOTE_ERROR';
  /** The coalesced key, as a string. */
  readonly key: string;
  /** The error of the other process. */
  readonly remote: CoalescerRemoteErrorInfo;

  constructor(key: string, remote: CoalescerRemoteErrorInfo) {
    super(
      CoalescerRemoteError.code,
      `Key "${key}" failed in another process: ${remote.name}: ${remote.message}`,
    );
    this.key = key;
    this.remote = remote;
  }
}

/** True for a {@link CoalescerRemoteError} from any copy of this package. */
export const isCoalescerRemoteError = errorGuard(CoalescerRemoteError);

/**
 * The lock of a key was found taken away while this process ran its `fn` (it expired,
 * perhaps after a pause longer than `lockTtlMs`): another process may run `fn` for the
 * key at the same time. Reported through `onError`, as a failed `'renew'`.
 */
export class CoalescerLockLostError extends BreakwaterError {
  static readonly code = 'BREAKWATER_COALESCER_LOCK_LOST';
  /** The coalesced key, as a string. */
  readonly key: string;

  constructor(key: string) {
    super(CoalescerLockLostError.code, `The lock of key "${key}" was lost while fn ran`);
    this.key = key;
  }
}

/** True for a {@link CoalescerLockLostError} from any copy of this package. */
export const isCoalescerLockLostError = errorGuard(CoalescerLockLostError);
