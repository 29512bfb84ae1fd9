import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import { usePostgres } from './postgres';
import type { LocalPostgres } from '../../local/postgres';

/**
 * A PostgreSQL server that accepts TLS, with a throwaway self-signed certificate (made by the
 * openssl command), so that code which insists on TLS, as the Lambda functions do, runs against
 * a real server. The certificate is not trusted by anyone: sslMode 'require' only.
 */
export function usePostgresWithTls(): LocalPostgres {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-tls-'));
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', keyFile, '-out', certFile], {
    stdio: 'ignore',
  });
  // The server runs as the `postgres` user when we are root, and insists on owning its key.
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const file of [dir, certFile, keyFile]) chownSync(file, uid, gid);
  }
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return usePostgres({ settings: { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile } });
}
