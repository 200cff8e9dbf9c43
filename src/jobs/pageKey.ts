/**
 * Where a list of jobs resumes (control-plane.md §1): jobs are listed by creation time, then id,
 * and a NextToken carries the key of the last job it showed.
 */
import type { Job } from './types';

export function jobPageKey(job: Pick<Job, 'createdMs' | 'id'>): string {
  return `${job.createdMs}.${job.id}`;
}

/** The position after `key` as the JobStore's lists take it; '' = from the first job. */
export function afterJobKey(key: string): { ms: number; id: string } {
  if (!key) return { ms: -1, id: '' };
  const dot = key.indexOf('.');
  return { ms: Number(key.slice(0, dot)), id: key.slice(dot + 1) };
}
