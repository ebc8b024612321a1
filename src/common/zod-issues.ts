import type { z } from 'zod';

/** One validation problem, with the path of the offending field ('' for the root). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** 'a.b[2].c' for ['a', 'b', 2, 'c']. */
export function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Flatten zod issues into field issues; unknown keys become one issue per key, named. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: pathString([...issue.path, key]), message: 'unknown key' });
      }
    } else {
      issues.push({ path: pathString(issue.path), message: issue.message });
    }
  }
  return issues;
}

/** `"a.b": expected number, received string; "c": unknown key` */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((issue) => (issue.path === '' ? issue.message : `"${issue.path}": ${issue.message}`)).join('; ');
}
