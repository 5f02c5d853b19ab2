import { z } from 'zod';

const jsonText = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'the SNS message is not JSON' });
    return z.NEVER;
  }
});

/** The SNS event a subscribed function receives: each record's Message is a pipeline message as JSON. */
const snsEventSchema = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: jsonText }) })).min(1),
});

/** The messages of an SNS event, parsed from JSON (Lambda delivers one record per invocation). */
export function snsMessages(event: unknown): unknown[] {
  return snsEventSchema.parse(event).Records.map((record) => record.Sns.Message);
}
