import { convertX12 } from '../../src/adapters/x12/convert-x12.ts';

// Run in a child process so that its peak RSS is the conversion's alone.
const [input = '', output = ''] = process.argv.slice(2);
const started = performance.now();
const result = await convertX12(input, output);
process.stdout.write(
  JSON.stringify({
    claims: result.claims,
    lines: result.lines,
    errors: result.errors.length,
    seconds: (performance.now() - started) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
