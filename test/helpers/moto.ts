import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';

/** Credentials moto accepts (it checks none); real-looking so the SDK signs requests as it would for AWS. */
export const MOTO_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

export interface MotoFixture {
  /** `http://127.0.0.1:<port>`, for an SDK client's `endpoint`. */
  readonly endpoint: string;
  /** Client options for any AWS SDK v3 client: region, endpoint, credentials. */
  clientConfig(): { region: string; endpoint: string; credentials: typeof MOTO_CREDENTIALS };
}

const INSTALL_HINT =
  'moto_server (the AWS twin these tests run against) is not on the PATH. Install it with `pip install "moto[server]"`, or run the tests on a machine that has it.';

/** Starts moto_server on 127.0.0.1 and a port the system picks; resolves with its endpoint once it listens. */
export async function startMoto(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`moto_server did not start within 30 s: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject((error as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(INSTALL_HINT) : error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited with ${code}: ${output}`));
    });
  });
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One moto server per test file: started before the first test, stopped after the last. */
export function useMoto(region = 'eu-west-1'): MotoFixture {
  let server: Awaited<ReturnType<typeof startMoto>> | undefined;
  beforeAll(async () => {
    server = await startMoto();
  }, 40_000);
  afterAll(async () => {
    await server?.stop();
  });
  const endpoint = () => {
    if (!server) throw new Error('useMoto(): moto is not running; use the fixture inside tests or hooks');
    return server.endpoint;
  };
  return {
    get endpoint() {
      return endpoint();
    },
    clientConfig: () => ({ region, endpoint: endpoint(), credentials: MOTO_CREDENTIALS }),
  };
}

/** A message moto recorded as published to an SNS topic. */
export interface MotoPublished {
  readonly message: string;
  readonly subject: string | null;
  readonly attributes: Readonly<Record<string, { readonly Type: string; readonly Value: string }>>;
}

/**
 * What moto recorded as published to `topicArn`, oldest first, from its internal API
 * (`/moto-api/data.json`, whose format may change between moto versions; written for moto 5.2).
 */
export async function publishedTo(endpoint: string, topicArn: string): Promise<MotoPublished[]> {
  type Sent = [id: string, message: string, subject: string | null, attributes: MotoPublished['attributes'], groupId: unknown];
  const response = await fetch(`${endpoint}/moto-api/data.json`);
  // Moto 5.2 fails to list its data (500) once an RDS instance exists: keep SNS and RDS apart.
  if (!response.ok) throw new Error(`moto's /moto-api/data.json answered ${response.status}; it fails once the server holds an RDS instance`);
  const data = (await response.json()) as { sns?: { Topic?: Array<{ arn: string; sent_notifications: Sent[] }> } };
  const topic = data.sns?.Topic?.find((t) => t.arn === topicArn);
  return (topic?.sent_notifications ?? []).map(([, message, subject, attributes]) => ({ message, subject, attributes }));
}
