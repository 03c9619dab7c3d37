// Errors raised by the local stores. Each names the file (or database) it is about, so an
// operator reading a log line knows which file on the data partition to look at.

/** Why a stored JSON document was refused on read. */
export type StoreCorruptReason = 'empty' | 'zero-filled' | 'syntax' | 'schema';

/**
 * A stored document exists but cannot be trusted. Never turned into "no data": silently
 * starting from defaults would overwrite the operator's configuration on the next write.
 */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  constructor(
    readonly file: string,
    readonly reason: StoreCorruptReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`store file ${file} is corrupt (${reason}): ${detail}`, options);
  }
}

/** The caller tried to write a document that its schema (or JSON itself) refuses. */
export class StoreInvalidDocumentError extends Error {
  override readonly name = 'StoreInvalidDocumentError';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`refusing to write ${file}: ${detail}`, options);
  }
}

/** A schema migration could not be applied, or an applied one was edited afterwards. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migrationId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`migration ${migrationId}: ${detail}`, options);
  }
}
