import pg from 'pg';
import { DatabaseConnectionError, DatabaseQueryError } from '../../pg/connection';

/** The server-reported error (SQLSTATE, message) behind a Database error, if a server reported one. */
export function serverError(error: unknown): pg.DatabaseError | undefined {
  if (error instanceof pg.DatabaseError) return error;
  if ((error instanceof DatabaseQueryError || error instanceof DatabaseConnectionError) && error.cause instanceof pg.DatabaseError) {
    return error.cause;
  }
  return undefined;
}

/** SQLSTATE 42501: the role lacks a privilege. */
export function isPermissionDenied(error: unknown): boolean {
  return serverError(error)?.code === '42501';
}

/**
 * Reported by the subscriber's server about its own connection to the publisher (SQLSTATE class
 * 08 from a server that we did reach): the server could not connect, or the publisher refused.
 */
export function isPublisherConnectionFailure(error: unknown): boolean {
  return serverError(error)?.code?.startsWith('08') ?? false;
}

/** The server's message with every occurrence of `secret` replaced, for messages about a statement that held it. */
export function redact(message: string, secret: string): string {
  return secret === '' ? message : message.split(secret).join('***');
}
