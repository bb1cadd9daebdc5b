/** ARN builders for one account and region, shared by the role policies (perms/). */
export class Arns {
  constructor(
    readonly partition: string,
    readonly region: string,
    readonly accountId: string,
  ) {}
  of(service: string, resource: string, options: { region?: string; account?: string } = {}): string {
    return `arn:${this.partition}:${service}:${options.region ?? this.region}:${options.account ?? this.accountId}:${resource}`;
  }
  global(service: string, resource: string): string {
    return `arn:${this.partition}:${service}::${this.accountId}:${resource}`;
  }
  s3(bucketOrObject: string): string {
    return `arn:${this.partition}:s3:::${bucketOrObject}`;
  }
}

/** The ARN a role will have (to wire the other account before it exists). */
export function roleArn(accountId: string, name: string, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:role/${name}`;
}
