/**
 * The apply role's deploy permissions: what the environment stacks create, by action list (the
 * way aws-cdk keeps action lists in perms.ts), scoped to `<project>-*` names.
 */
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";
import { DEPLOY_ACTIONS, namedResourceStatements } from "./named";

/**
 * What the environment stacks create, scoped to `<project>-*` names wherever the service puts
 * the name in the ARN. Where it does not (EC2 networking, API Gateway, CloudFront, Cognito
 * user pools, KMS key creation, X-Ray), the resource is `*`, limited by the account's region
 * (`aws:RequestedRegion`) and, for creation, by the `Project` tag the provider applies.
 */
export function applyStatements(project: string, arn: Arns): PolicyStatement[] {
  const p = `${project}-*`;
  const inRegion = { StringEquals: { "aws:RequestedRegion": [arn.region, "us-east-1"] } };
  return [
    ...namedResourceStatements(arn, { names: p, parameters: `${project}/*`, label: "Project" }),
    {
      // EC2 networking ids are generated (vpc-…, subnet-…): no name in the ARN.
      Sid: "NetworkEc2ById",
      Effect: "Allow",
      Action: ["ec2:Create*", "ec2:Delete*", "ec2:Modify*", "ec2:Associate*", "ec2:Disassociate*", "ec2:Attach*", "ec2:Detach*", "ec2:Authorize*", "ec2:Revoke*", "ec2:Replace*", "ec2:UpdateSecurityGroupRuleDescriptions*"],
      Resource: "*",
      Condition: inRegion,
    },
    {
      // RDS creates the managed master secret (`rds!cluster-<uuid>`): its name is not ours to choose.
      Sid: "RdsManagedSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret"],
      Resource: arn.of("secretsmanager", "secret:rds!*"),
    },
    {
      // CreateKey has no resource; the keys it makes are tagged Project by the provider.
      Sid: "KmsCreateKeys",
      Effect: "Allow",
      Action: ["kms:CreateKey"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:RequestTag/Project`]: project } },
    },
    {
      Sid: "KmsManageProjectKeys",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.kmsKeys, ...DEPLOY_ACTIONS.kmsAliases],
      Resource: arn.of("kms", "key/*"),
      Condition: { StringEquals: { "aws:ResourceTag/Project": project } },
    },
    {
      // API Gateway ids, CloudFront distributions and OACs, Cognito pools, ACM certificates and
      // Route 53 records are addressed by generated ids: no name in the ARN to scope by.
      Sid: "EdgeAndIdentityById",
      Effect: "Allow",
      Action: [
        ...DEPLOY_ACTIONS.apigateway,
        "cloudfront:CreateDistribution*",
        ...DEPLOY_ACTIONS.cloudfrontDistributions,
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:UpdateOriginAccessControl",
        "cloudfront:DeleteOriginAccessControl",
        "cognito-idp:CreateUserPool*",
        "cognito-idp:UpdateUserPool*",
        "cognito-idp:DeleteUserPool*",
        "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:TagResource",
        "cognito-idp:UntagResource",
        "acm:RequestCertificate",
        "acm:DeleteCertificate",
        "acm:AddTagsToCertificate",
        "route53:ChangeResourceRecordSets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ],
      Resource: "*",
      Condition: inRegion,
    },
  ];
}

