import type { Subscriber, SubscriberStatus } from "../../model/subscriber.ts";

// Rows as the callers see them, whichever backend: timestamps as ISO
// strings (SQLite stores them so), camelCase names.

export function subscriberRow(r: Record<string, unknown>): Subscriber {
  return {
    id: r.id as number,
    email: r.email as string,
    name: r.name as string | null,
    status: r.status as SubscriberStatus,
    source: r.source as string | null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}
