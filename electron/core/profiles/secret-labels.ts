/** Secrets named as a user knows them, for warnings: "the password of cluster 'prod'". */

const S3_LABELS: Record<string, string> = {
  's3-secret-access-key': 'S3 secret access key',
  's3-access-key-id': 'S3 access key id',
  's3-session-token': 'S3 session token',
};

export function describeSecret(path: readonly string[]): string {
  const [section, name] = path;
  const field = path[path.length - 1] ?? '';
  if (section === 'aerospike-clusters') return `the password of cluster '${name}'`;
  if (section === 'storage') return `the ${S3_LABELS[field] ?? field} of storage '${name}'`;
  if (section === 'backup-routines') return `the webhook header '${field}' of routine '${name}'`;
  return `the secret at ${path.join('.')}`;
}
