/**
 * AWS tag lists (`[{ Key, Value }]`, as RDS, S3 and most services send them) to and from plain
 * records. A tag without a key is dropped: AWS never returns one, and a record cannot hold it.
 */
export interface AwsTag {
  Key?: string;
  Value?: string;
}

export function tagRecord(list: ReadonlyArray<AwsTag> | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).flatMap((tag) => (tag.Key === undefined ? [] : [[tag.Key, tag.Value ?? ""]])));
}

export function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
