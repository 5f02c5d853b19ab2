// s3rver in its own process: its paginated listings encrypt continuation tokens with DES, which
// Node 20 only offers under --openssl-legacy-provider (see startS3rver). Prints `{"port":N}`, then
// one `{"event":...}` line per S3 event notification it sends.
import { createRequire } from 'node:module';

interface S3rverServer {
  on(name: 'event', listener: (event: unknown) => void): void;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
server.on('event', (event) => process.stdout.write(`${JSON.stringify({ event })}\n`));
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
