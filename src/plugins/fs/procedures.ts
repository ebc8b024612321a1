import { z } from 'zod';
import { defineProcedure } from '../../client/index.js';

/** A path as a caller gives it: absolute, or relative to the first root. */
const path = z.string().min(1).refine((p) => !p.includes('\0'), 'must not contain NUL');

/** Binary data: a Buffer (or any Uint8Array) in the SDK, bytes on the wire. */
const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be bytes');

export const entryType = z.enum(['file', 'directory', 'symlink', 'other']);
export type EntryType = z.infer<typeof entryType>;

export const entry = z.object({
  name: z.string(),
  type: entryType,
  size: z.number(),
  /** Last modification, ms since the epoch. */
  mtime: z.number(),
});
export type Entry = z.infer<typeof entry>;

export const LIST_LIMIT = 1000;
export const FIND_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

export const fsProcedures = {
  list: defineProcedure({
    name: 'fs.list',
    description: 'The entries of a directory, sorted by name (symlinks are not followed).',
    args: z.strictObject({
      path: path.optional(),
      limit: z.int().min(1).max(MAX_LIMIT).default(LIST_LIMIT),
    }),
    result: z.object({ path: z.string(), entries: z.array(entry), truncated: z.boolean() }),
  }),
  stat: defineProcedure({
    name: 'fs.stat',
    description: 'Type, size, times and mode of a file or directory (symlinks followed, within the roots).',
    args: z.strictObject({ path }),
    result: z.object({
      path: z.string(),
      realPath: z.string(),
      type: entryType,
      size: z.number(),
      mtime: z.number(),
      mode: z.number(),
    }),
  }),
  find: defineProcedure({
    name: 'fs.find',
    description: 'Files below a root whose relative path matches a glob, found by a bounded walk.',
    args: z.strictObject({
      root: path.optional(),
      pattern: z.string().min(1).max(1000)
        .refine((p) => !p.startsWith('/'), 'must be relative to the root')
        .refine((p) => !p.split('/').includes('..'), "must not contain '..'"),
      limit: z.int().min(1).max(MAX_LIMIT).default(FIND_LIMIT),
    }),
    result: z.object({
      root: z.string(),
      matches: z.array(entry.omit({ name: true }).extend({ path: z.string() })),
      /** The limit, or the walk's bound, was reached: there may be more. */
      truncated: z.boolean(),
    }),
  }),
  read: defineProcedure({
    name: 'fs.read',
    description: 'Read a file: progressive results of { data, offset }, then { size, chunks }.',
    args: z.strictObject({
      path,
      offset: z.int().min(0).default(0),
      length: z.int().min(0).optional(),
    }),
    result: z.object({
      /** Bytes read. */
      size: z.number(),
      /** Progressive results sent. */
      chunks: z.number(),
      /** The bytes, only when the caller did not ask for progressive results. */
      data: bytes.optional(),
    }),
  }),
  write: defineProcedure({
    name: 'fs.write',
    description: 'Create or replace a file (or append to it); strings are written as UTF-8.',
    args: z.strictObject({
      path,
      data: z.union([z.string(), bytes]),
      append: z.boolean().default(false),
    }),
    result: z.object({ path: z.string(), size: z.number(), created: z.boolean() }),
  }),
} as const;
