// One Lambda code path in its own process, as scripts/lambda-memory.ts measures it: the handlers'
// AWS dependencies (createAwsHandlerDeps: DuckDB's memory limit, threads and spill folder from the
// function's memory) over a local store, so the peak RSS is Node + DuckDB of that path alone.
// Usage: tsx scripts/lambda-memory-child.ts etl ROOT FILE | post ROOT TASK_JSON
// Prints one JSON line: the task it produced (etl) and the process's peak RSS in bytes.
import { basename, join } from 'node:path';
import { createAwsHandlerDeps } from '../src/adapters/aws/aws-handler-deps.ts';
import { LocalObjectStore } from '../src/adapters/local-store/local-object-store.ts';
import { createLogger } from '../src/adapters/logging/json-logger.ts';
import { SqliteLedger } from '../src/adapters/sqlite/sqlite-ledger.ts';
import { PREFIXES } from '../src/domain/store-layout.ts';
import { runFileJob } from '../src/pipeline/handlers/etl.ts';
import { handlePostProcessing } from '../src/pipeline/handlers/post-processing.ts';
import { type FileTask, fileTaskSchema, TOPICS } from '../src/pipeline/messages.ts';

const [stage, root = '', arg = ''] = process.argv.slice(2);
const memoryMb = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? 512);
const store = new LocalObjectStore(root);
const ledger = new SqliteLedger(join(root, 'ledger.sqlite'));
let next: FileTask | undefined;
const deps = createAwsHandlerDeps(
  {
    store,
    ledger,
    bus: {
      publish: async (topic, message) => {
        if (topic === TOPICS.postProcess) next = fileTaskSchema.parse(message);
      },
    },
  },
  {
    refdataPrefix: PREFIXES.refdata,
    localRoot: join(root, 'lambda-tmp'),
    memoryMb,
    logger: createLogger(true, process.stderr),
  },
);
try {
  if (stage === 'etl') {
    const key = `${PREFIXES.inbox}${basename(arg)}`;
    const sha256 = await store.copyIn(arg, key);
    const jobId = `job-${Date.now()}`;
    await ledger.claimDelivery(sha256, key, jobId, new Date());
    await runFileJob({ job_id: jobId, key, sha256, input_file: basename(arg), months: [] }, deps);
  } else if (stage === 'post') {
    await handlePostProcessing(JSON.parse(arg), deps);
  } else {
    throw new Error(`unknown stage ${stage}: etl or post`);
  }
} finally {
  deps.close();
  ledger.close();
}
process.stdout.write(
  `${JSON.stringify({ task: next, maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds: process.uptime() })}\n`,
);
