import { z } from 'zod';
import { UsageError } from '../../domain/errors.ts';
import { deadLetterKey, PREFIXES } from '../../domain/store-layout.ts';
import { TOPICS, type Topic } from '../../pipeline/messages.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import type { DeadLetter, DeadLetterQueue } from '../../pipeline/ports.ts';
import { openBytes, sealBytes } from '../crypto/envelope-file.ts';

/** A sealed letter was asked for without the key: the user's to fix (exit 1). */
export class SealedLetterError extends UsageError {
  constructor(readonly letterId: string) {
    super(`dead letter ${letterId} is encrypted: give the master key (--master-key-file or CLAIMFLOW_MASTER_KEY)`);
  }
}

const routingFields = {
  id: z.string(),
  topic: z.enum(Object.values(TOPICS) as [Topic, ...Topic[]]),
  handler: z.string(),
  created_at: z.string(),
};
const attemptSchema = z.object({ attempt: z.number(), error_type: z.string(), at: z.string() });

/**
 * A letter as stored. With a master key, what may carry claim values (the message and the error
 * texts) is sealed into `sealed` (base64 of an envelope); what the dashboard counts and lists
 * (id, topic, handler, time, attempts and their error types) stays readable without the key.
 */
const storedLetterSchema = z.union([
  z.object({ ...routingFields, errors: z.array(attemptSchema), sealed: z.string() }),
  z.object({ ...routingFields, errors: z.array(attemptSchema.extend({ message: z.string() })), message: z.unknown() }),
]);
const sealedPartSchema = z.object({ message: z.unknown(), error_messages: z.array(z.string()) });

/** The dead-letter queue as `dlq/<id>.json` objects (an SQS queue on AWS). */
export class StoreDeadLetterQueue implements DeadLetterQueue {
  /** `masterKey`: seal each letter's message and error texts (null: plaintext letters). */
  constructor(
    private readonly store: ObjectStore,
    private readonly masterKey: Buffer | null = null,
  ) {}

  put(letter: DeadLetter): Promise<void> {
    return this.store.writeText(deadLetterKey(letter.id), `${JSON.stringify(this.seal(letter), null, 2)}\n`);
  }

  async list(): Promise<DeadLetter[]> {
    const keys = (await this.store.list(PREFIXES.dlq)).filter((k) => k.endsWith('.json'));
    return Promise.all(
      keys.map(async (k) => this.open(storedLetterSchema.parse(JSON.parse(await this.store.readText(k))))),
    );
  }

  remove(id: string): Promise<void> {
    return this.store.delete(deadLetterKey(id));
  }

  private seal(letter: DeadLetter): unknown {
    if (!this.masterKey) return letter;
    const { message, errors, ...routing } = letter;
    const part = { message, error_messages: errors.map((e) => e.message) };
    return {
      ...routing,
      errors: errors.map(({ message: _, ...attempt }) => attempt),
      sealed: sealBytes(Buffer.from(JSON.stringify(part)), this.masterKey).toString('base64'),
    };
  }

  private open(stored: z.infer<typeof storedLetterSchema>): DeadLetter {
    if (!('sealed' in stored)) return stored;
    if (!this.masterKey) throw new SealedLetterError(stored.id);
    const { sealed, errors, ...routing } = stored;
    const part = sealedPartSchema.parse(
      JSON.parse(openBytes(Buffer.from(sealed, 'base64'), this.masterKey, deadLetterKey(stored.id)).toString('utf8')),
    );
    return {
      ...routing,
      message: part.message,
      errors: errors.map((e, i) => ({ ...e, message: part.error_messages[i] ?? '' })),
    };
  }
}
