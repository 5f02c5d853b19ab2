import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** The attribute values the ledger stores: strings, numbers and nulls, no nested types. */
export type ItemValue = string | number | null;
export type Item = Record<string, AttributeValue>;

export function marshallValue(value: ItemValue): AttributeValue {
  if (value === null) return { NULL: true };
  return typeof value === 'number' ? { N: String(value) } : { S: value };
}

export function marshallItem(values: Readonly<Record<string, ItemValue>>): Item {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, marshallValue(value)]));
}

/** Reads an item of `marshallItem`'s kinds back; any other attribute type is a foreign item. */
export function unmarshallItem(item: Item): Record<string, ItemValue> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => {
      if (value.S !== undefined) return [name, value.S];
      if (value.N !== undefined) return [name, Number(value.N)];
      if (value.NULL) return [name, null];
      throw new TypeError(`attribute ${name} is not a string, number or null`);
    }),
  );
}

/**
 * `SET #a = :a, ...` for an UpdateItem, every name aliased (DynamoDB reserves words such as
 * `status`). `values` may already hold `:`-names the condition uses.
 */
export function setExpression(
  assignments: Readonly<Record<string, ItemValue>>,
  values: Item = {},
): { UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Item } {
  const names = Object.keys(assignments);
  return {
    UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
    ExpressionAttributeValues: {
      ...Object.fromEntries(names.map((n) => [`:${n}`, marshallValue(assignments[n] ?? null)])),
      ...values,
    },
  };
}
