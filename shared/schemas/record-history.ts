import { z } from 'zod';

/**
 * Record history ("examine"): one record looked up by set + user key, or by digest, in every
 * backup of a routine. Shared by the CLI, REST and IPC, so every transport validates the same way.
 */
export const KeyTypeSchema = z.enum(['string', 'integer', 'bytes']);
export type KeyType = z.infer<typeof KeyTypeSchema>;

export const RecordLookupSchema = z
  .object({
    routine: z.string().min(1, 'name the routine'),
    /** Set name; '' (or absent) for records without a set. Part of the digest. */
    set: z.string().default(''),
    /** The user key as text: a decimal integer, a string, or hex (or base64 with a `base64:` prefix) for bytes. */
    key: z.string().optional(),
    'key-type': KeyTypeSchema.default('string'),
    /** The record's 20-byte digest as 40 hex digits; instead of set + key. */
    digest: z
      .string()
      .regex(/^[0-9a-fA-F]{40}$/, 'must be 40 hex digits (a 20-byte RIPEMD-160 digest)')
      .optional(),
    /** Only this namespace (default: every namespace the routine backed up). */
    namespace: z.string().min(1).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.key === undefined && v.digest === undefined) ctx.addIssue({ code: 'custom', path: ['key'], message: 'give the user key (with its set) or the digest' });
    if (v.key !== undefined && v.digest !== undefined) ctx.addIssue({ code: 'custom', path: ['digest'], message: 'give either the key or the digest, not both' });
  });
export type RecordLookupInput = z.input<typeof RecordLookupSchema>;
export type RecordLookup = z.infer<typeof RecordLookupSchema>;

/**
 * One bin, decoded to a JSON-friendly value. `raw` is the exact value bytes (base64) in the form
 * the engine writes back, so an exported version can be restored without loss.
 */
export const BinJsonSchema = z.object({
  name: z.string(),
  /** Aerospike particle type name: integer, double, string, blob, bool, list, map, geojson, hll, nil, … */
  type: z.string(),
  particle: z.number().int(),
  /** Integers beyond ±2^53 are decimal strings; blobs and HLL base64; lists and maps decoded msgpack. */
  value: z.unknown(),
  raw: z.string(),
});
export type BinJson = z.infer<typeof BinJsonSchema>;

export const RecordVersionSchema = z.object({
  /** Catalog key of the backup (storage path of its namespace folder). */
  backup: z.string(),
  kind: z.enum(['full', 'incremental']),
  namespace: z.string(),
  /** Backup start, Unix ms. */
  'backup-time': z.number().int(),
  set: z.string().nullable(),
  /** The stored user key, when the record carries one. */
  key: z.object({ type: z.enum(['integer', 'double', 'string', 'bytes']), value: z.union([z.string(), z.number()]) }).nullable(),
  digest: z.string(),
  generation: z.number().int(),
  /** Expiry as ISO time, or null: never expires. */
  expires: z.string().nullable(),
  'void-time': z.number().int(),
  /**
   * The `.asb` format does not carry a record's last-update time. What a backup does tell: the
   * version was last written before `changed-before` (the backup's start, or its sealed bound) and,
   * for an incremental, after `changed-after` (the previous backup's start).
   */
  'last-update': z.null(),
  'changed-after': z.number().int().optional(),
  'changed-before': z.number().int(),
  bins: z.array(BinJsonSchema),
});
export type RecordVersion = z.infer<typeof RecordVersionSchema>;

/**
 * A backup holding no version of the record. For a full backup that means the record did not exist
 * (or had expired) when it ran; an incremental holds only records written since the previous backup,
 * so there it means "not changed in that window" — or deleted: incrementals do not record deletes.
 */
export const RecordAbsenceSchema = z.object({
  backup: z.string(),
  kind: z.enum(['full', 'incremental']),
  namespace: z.string(),
  'backup-time': z.number().int(),
  meaning: z.enum(['not-in-full', 'unchanged-in-incremental']),
});
export type RecordAbsence = z.infer<typeof RecordAbsenceSchema>;

export const RecordHistorySchema = z.object({
  routine: z.string(),
  digest: z.string(),
  set: z.string().nullable(),
  /** Newest first. */
  versions: z.array(RecordVersionSchema),
  /** Newest first. */
  absent: z.array(RecordAbsenceSchema),
  /** How each backup was searched: through its record index, or by scanning its files. */
  searched: z.object({ indexed: z.number().int(), scanned: z.number().int(), 'stale-index': z.number().int() }),
});
export type RecordHistory = z.infer<typeof RecordHistorySchema>;
