import type { ObjectStore } from '../../pipeline/object-store.ts';
import type { DeadLetter, DeadLetterQueue } from '../../pipeline/ports.ts';

/** The dead-letter queue as `dlq/<id>.json` objects (an SQS queue on AWS). */
export class StoreDeadLetterQueue implements DeadLetterQueue {
  constructor(private readonly store: ObjectStore) {}

  put(letter: DeadLetter): Promise<void> {
    return this.store.writeText(keyOf(letter.id), `${JSON.stringify(letter, null, 2)}\n`);
  }

  async list(): Promise<DeadLetter[]> {
    const keys = (await this.store.list('dlq')).filter((k) => k.endsWith('.json'));
    return Promise.all(keys.map(async (k) => JSON.parse(await this.store.readText(k)) as DeadLetter));
  }

  remove(id: string): Promise<void> {
    return this.store.delete(keyOf(id));
  }
}

const keyOf = (id: string): string => `dlq/${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
