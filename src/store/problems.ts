// Store failures in words a person can act on, always naming the file.

/** An error from the store (better-sqlite3's SqliteError, a file system error) as one sentence naming `file`. */
export function describeStoreError(err: Error, file: string): string {
  const code = (err as { code?: string }).code ?? "";
  if (err.name === "StoreError" && (code === "DAMAGED" || code === "READ_ONLY")) {
    return `the store ${file} ${err.message}${code === "DAMAGED" && !/restore|point/.test(err.message) ? "; restore it from a backup" : ""}`;
  }
  if (code === "GAZETTE_STORE") return err.message;
  const raw = `${code ? `${code}: ` : ""}${err.message}`;
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EFBIG" || code === "SQLITE_IOERR_WRITE") {
    return `the store ${file} could not be written: the disk or the file-size limit is full (${raw}); free some space`;
  }
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS" || code === "EACCES" || code === "EPERM") {
    return `the store ${file} cannot be written: its folder is read-only to this process (${raw})`;
  }
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return `the store ${file} is damaged (${raw}); restore it from a backup`;
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return `the store ${file} stayed locked by another process (${raw})`;
  }
  return `the store ${file} failed (${raw})`;
}

/** A store error that stops a command: code GAZETTE_STORE, the cause kept. */
export function storeFailure(err: Error, file: string, consequence?: string): Error {
  return Object.assign(new Error(`${describeStoreError(err, file)}${consequence ? `; ${consequence}` : ""}`, { cause: err }), { code: "GAZETTE_STORE" });
}
