/**
 * The checked-in price table: on-demand list prices in USD, per region, each with its unit,
 * its source page and the date it was taken. Free tiers are NOT subtracted (estimates stay
 * conservative) except where a service is free by design (noted on the item).
 *
 * us-east-1 and us-west-2 share these list prices for every service below. To add a region,
 * copy a block and change what differs; `priceTable(region)` fails loudly for unknown regions.
 */

export interface Price {
  /** USD per unit. */
  readonly usd: number;
  readonly unit: string;
  /** Pricing page the number comes from. */
  readonly source: string;
  /** When the number was taken (YYYY-MM). */
  readonly asOf: string;
}

export type PriceKey =
  | "aurora.acuHour"
  | "aurora.storageGbMonth"
  | "aurora.ioMillion"
  | "nat.hour"
  | "nat.gb"
  | "endpoint.azHour"
  | "endpoint.gb"
  | "kms.keyMonth"
  | "kms.tenThousandRequests"
  | "secrets.secretMonth"
  | "secrets.tenThousandCalls"
  | "cloudwatch.alarmMonth"
  | "cloudwatch.highResAlarmMonth"
  | "cloudwatch.dashboardMonth"
  | "logs.ingestGb"
  | "logs.storageGbMonth"
  | "lambda.millionRequests"
  | "lambda.gbSecondX86"
  | "lambda.gbSecondArm"
  | "httpApi.millionRequests"
  | "cloudfront.dataGb"
  | "cloudfront.tenThousandHttpsRequests"
  | "s3.storageGbMonth"
  | "s3.thousandPuts"
  | "s3.thousandGets"
  | "dynamodb.millionWrites"
  | "dynamodb.millionReads"
  | "dynamodb.storageGbMonth"
  | "route53.zoneMonth"
  | "route53.millionQueries"
  | "cognito.mauBeyondFreeTier"
  | "xray.millionTraces"
  | "backup.auroraGbMonth"
  | "backup.crossRegionGb";

const ASOF = "2025-06";
const page = (path: string) => `https://aws.amazon.com/${path}/pricing/`;

const US_STANDARD: Record<PriceKey, Price> = {
  "aurora.acuHour": { usd: 0.12, unit: "ACU-hour (Aurora Standard, Serverless v2)", source: page("rds/aurora"), asOf: ASOF },
  "aurora.storageGbMonth": { usd: 0.1, unit: "GB-month (Aurora Standard storage)", source: page("rds/aurora"), asOf: ASOF },
  "aurora.ioMillion": { usd: 0.2, unit: "million I/O requests", source: page("rds/aurora"), asOf: ASOF },
  "nat.hour": { usd: 0.045, unit: "NAT gateway-hour", source: page("vpc"), asOf: ASOF },
  "nat.gb": { usd: 0.045, unit: "GB processed by NAT", source: page("vpc"), asOf: ASOF },
  "endpoint.azHour": { usd: 0.01, unit: "interface endpoint AZ-hour", source: page("privatelink"), asOf: ASOF },
  "endpoint.gb": { usd: 0.01, unit: "GB processed by interface endpoints", source: page("privatelink"), asOf: ASOF },
  "kms.keyMonth": { usd: 1, unit: "customer-managed key-month", source: page("kms"), asOf: ASOF },
  "kms.tenThousandRequests": { usd: 0.03, unit: "10,000 KMS requests", source: page("kms"), asOf: ASOF },
  "secrets.secretMonth": { usd: 0.4, unit: "secret-month", source: page("secrets-manager"), asOf: ASOF },
  "secrets.tenThousandCalls": { usd: 0.05, unit: "10,000 API calls", source: page("secrets-manager"), asOf: ASOF },
  "cloudwatch.alarmMonth": { usd: 0.1, unit: "standard-resolution alarm metric-month", source: page("cloudwatch"), asOf: ASOF },
  "cloudwatch.highResAlarmMonth": { usd: 0.3, unit: "high-resolution alarm metric-month", source: page("cloudwatch"), asOf: ASOF },
  "cloudwatch.dashboardMonth": { usd: 3, unit: "dashboard-month (first 3 per account free, not subtracted)", source: page("cloudwatch"), asOf: ASOF },
  "logs.ingestGb": { usd: 0.5, unit: "GB ingested (standard class; vended VPC flow logs same first tier)", source: page("cloudwatch"), asOf: ASOF },
  "logs.storageGbMonth": { usd: 0.03, unit: "GB-month archived (compressed)", source: page("cloudwatch"), asOf: ASOF },
  "lambda.millionRequests": { usd: 0.2, unit: "million requests", source: page("lambda"), asOf: ASOF },
  "lambda.gbSecondX86": { usd: 0.0000166667, unit: "GB-second (x86_64)", source: page("lambda"), asOf: ASOF },
  "lambda.gbSecondArm": { usd: 0.0000133334, unit: "GB-second (arm64)", source: page("lambda"), asOf: ASOF },
  "httpApi.millionRequests": { usd: 1, unit: "million HTTP API requests (first 300 million)", source: page("api-gateway"), asOf: ASOF },
  "cloudfront.dataGb": { usd: 0.085, unit: "GB out to the internet (North America, first 10 TB)", source: page("cloudfront"), asOf: ASOF },
  "cloudfront.tenThousandHttpsRequests": { usd: 0.01, unit: "10,000 HTTPS requests (North America)", source: page("cloudfront"), asOf: ASOF },
  "s3.storageGbMonth": { usd: 0.023, unit: "GB-month (S3 Standard, first 50 TB)", source: page("s3"), asOf: ASOF },
  "s3.thousandPuts": { usd: 0.005, unit: "1,000 PUT/COPY/POST/LIST requests", source: page("s3"), asOf: ASOF },
  "s3.thousandGets": { usd: 0.0004, unit: "1,000 GET requests", source: page("s3"), asOf: ASOF },
  "dynamodb.millionWrites": { usd: 0.625, unit: "million on-demand write request units", source: page("dynamodb"), asOf: ASOF },
  "dynamodb.millionReads": { usd: 0.125, unit: "million on-demand read request units", source: page("dynamodb"), asOf: ASOF },
  "dynamodb.storageGbMonth": { usd: 0.25, unit: "GB-month (first 25 GB free, not subtracted)", source: page("dynamodb"), asOf: ASOF },
  "route53.zoneMonth": { usd: 0.5, unit: "hosted zone-month (first 25 zones)", source: page("route53"), asOf: ASOF },
  "route53.millionQueries": { usd: 0.4, unit: "million standard queries", source: page("route53"), asOf: ASOF },
  "cognito.mauBeyondFreeTier": { usd: 0.015, unit: "monthly active user beyond 10,000 (Essentials)", source: page("cognito"), asOf: ASOF },
  "xray.millionTraces": { usd: 5, unit: "million traces recorded (first 100,000 free, not subtracted)", source: page("xray"), asOf: ASOF },
  "backup.auroraGbMonth": { usd: 0.021, unit: "GB-month of Aurora backups in AWS Backup (warm storage)", source: page("backup"), asOf: ASOF },
  "backup.crossRegionGb": { usd: 0.02, unit: "GB copied to another region (inter-region data transfer)", source: page("backup"), asOf: ASOF },
};

export const PRICES: Record<string, Record<PriceKey, Price>> = {
  "us-east-1": US_STANDARD,
  "us-west-2": US_STANDARD,
};

export const CURRENCY = "USD";

export function priceTable(region: string): Record<PriceKey, Price> {
  const table = PRICES[region];
  if (!table) throw new Error(`scripts/cost/prices.ts: no prices for region ${region} (have ${Object.keys(PRICES).join(", ")}): add a block for it`);
  return table;
}
