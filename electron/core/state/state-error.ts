import type { z } from 'zod';

/** Anything the state database refuses or cannot do, with the database or field named. */
export class StateDatabaseError extends Error {
  override name = 'StateDatabaseError';
}

/** `field: problem; field: problem` — zod issues in the form every Tidemark error message uses. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return `${path || '(value)'}: ${i.message}`;
    })
    .join('; ');
}
