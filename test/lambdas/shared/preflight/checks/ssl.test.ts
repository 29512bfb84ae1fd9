import { describe, expect, it } from 'vitest';
import { ssl, sslResult } from '../../../../../lambdas/shared/preflight/checks/ssl';
import { usePostgresWithTls } from '../../../../helpers/postgres-tls';
import { contextOf, runCheck, useDatabases } from '../helpers';

describe('ssl', () => {
  const server = usePostgresWithTls();
  const open = useDatabases();

  it('is ok when both connections are encrypted', async () => {
    const encrypted = { ssl: { rejectUnauthorized: false } };
    const ctx = contextOf({ source: open(server.url, 'source database', encrypted), target: open(server.url, 'target database', encrypted) });

    const result = await runCheck(ssl, ctx);

    expect(result).toMatchObject({ severity: 'ok', objects: [] });
    expect(result.message).toMatch(/The connection to the source is encrypted \(TLSv1\.[23]/);
  });

  it('is a warning, not an error, when an unencrypted connection stays on the loopback interface', async () => {
    const ctx = contextOf({ source: open(server.url, 'source database', { ssl: { rejectUnauthorized: false } }), target: open(server.url, 'target database', { ssl: false }) });

    const result = await runCheck(ssl, ctx);

    expect(result).toMatchObject({ severity: 'warning', objects: ['target'] });
    expect(result.message).toContain('The connection to the target is not encrypted, but it goes over the loopback interface (127.0.0.1)');
  });

  it('is an error when an unencrypted connection crosses the network (decision on what the server reports)', () => {
    const result = sslResult({
      source: { encrypted: false, protocol: null, serverAddress: '10.0.3.7', loopback: false },
      target: { encrypted: true, protocol: 'TLSv1.3, TLS_AES_256_GCM_SHA384', serverAddress: '10.0.4.2', loopback: false },
    });

    expect(result).toMatchObject({ severity: 'error', objects: ['source'] });
    expect(result.message).toContain('The connection to the source is NOT encrypted (server address 10.0.3.7)');
    expect(result.message).toContain('Enable TLS on that server');
  });
});
