/**
 * JSON in and out of TEXT columns, and opaque eTags. Kept in one place so every table stores
 * values the same way (and the Redis adapter's values read the same).
 */
import { randomBytes } from 'node:crypto';
import type { Json } from '../port';

export function toText(value: unknown): string {
  return JSON.stringify(value);
}

export function fromText<T = Json>(text: string): T {
  return JSON.parse(text) as T;
}

/** A new opaque eTag: random, so it differs on every write and across connections. */
export function newETag(): string {
  return randomBytes(12).toString('base64url');
}
