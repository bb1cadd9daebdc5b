/**
 * The preview role's deploy permissions: what a preview stack (`<project>-preview-pr-<n>`)
 * creates, and nothing that belongs to another environment of the account.
 *
 * - Where the service puts the name in the ARN, resources are `<project>-preview-*`.
 * - Where it does not (EC2 networking, API Gateway, CloudFront, Cognito, KMS keys), a resource is
 *   created only with the preview tags in the request (`Environment` = `preview-pr-*`, `Project`;
 *   the provider's default tags put them there) and changed only when it already carries them.
 *   Each create action is paired with the one resource type it creates, so a create cannot
 *   reach into another environment's VPC, subnet or pool through a wide resource pattern.
 * - Tagging an existing resource is a change of that resource: it needs the preview tags already
 *   (no re-tagging another environment's resource into reach); tags on create ride on the create.
 */
import { ENVIRONMENT_TAG } from "../../../environments/naming";
import type { PolicyStatement } from "../../iam/policy";
import type { Arns } from "../arns";
import { DEPLOY_ACTIONS, namedResourceStatements } from "./named";

/** The `Environment` tag value of every preview (`preview-pr-<n>`, from environments/registry.ts previewConfig). */
export const PREVIEW_ENVIRONMENT_TAG = "preview-pr-*";

/** EC2 create actions and the resource type each creates (ARN `…:ec2:<region>:<account>:<type>/<id>`). */
const EC2_CREATES: ReadonlyArray<readonly [action: string, type: string]> = [
  ["ec2:CreateVpc", "vpc"],
  ["ec2:CreateSubnet", "subnet"],
  ["ec2:CreateRouteTable", "route-table"],
  ["ec2:CreateInternetGateway", "internet-gateway"],
  ["ec2:CreateSecurityGroup", "security-group"],
  ["ec2:AuthorizeSecurityGroupIngress", "security-group-rule"],
  ["ec2:AuthorizeSecurityGroupEgress", "security-group-rule"],
  ["ec2:CreateVpcEndpoint", "vpc-endpoint"],
  ["ec2:CreateFlowLogs", "vpc-flow-log"],
];

/** Changes to existing EC2 resources (and the parents a create names: the VPC of a subnet, the subnets of an endpoint). */
const EC2_CHANGES = [
  ...new Set([
    ...EC2_CREATES.map(([action]) => action),
    "ec2:Delete*",
    "ec2:Modify*",
    "ec2:Associate*",
    "ec2:Disassociate*",
    "ec2:Attach*",
    "ec2:Detach*",
    "ec2:Revoke*",
    "ec2:Replace*",
    "ec2:CreateRoute",
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "ec2:UpdateSecurityGroupRuleDescriptions*",
  ]),
];

export function previewStatements(project: string, arn: Arns): PolicyStatement[] {
  const p = `${project}-preview-*`;
  const regions = [arn.region, "us-east-1"];
  /** The request carries the preview tags (a create). */
  const createsTagged = {
    StringEquals: { "aws:RequestTag/Project": project, "aws:RequestedRegion": regions },
    StringLike: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: PREVIEW_ENVIRONMENT_TAG },
  };
  /** The resource already carries the preview tags (a change). */
  const ownTagged = {
    StringEquals: { "aws:ResourceTag/Project": project, "aws:RequestedRegion": regions },
    StringLike: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: PREVIEW_ENVIRONMENT_TAG },
  };
  const ec2 = (type: string) => arn.of("ec2", `${type}/*`);
  const rdsPreviewCluster = arn.of("rds", `cluster:${p}`);
  return [
    ...namedResourceStatements(arn, { names: p, parameters: `${project}/${PREVIEW_ENVIRONMENT_TAG}`, label: "Preview" }),
    ...[...new Set(EC2_CREATES.map(([, type]) => type))].map((type) => ({
      Sid: `Ec2Create${type.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}Tagged`,
      Effect: "Allow" as const,
      Action: EC2_CREATES.filter(([, t]) => t === type).map(([action]) => action),
      Resource: ec2(type),
      Condition: createsTagged,
    })),
    {
      // Tags in a create request are authorised as ec2:CreateTags with ec2:CreateAction set.
      Sid: "Ec2TagOnCreate",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: arn.of("ec2", "*/*"),
      Condition: { StringEquals: { "ec2:CreateAction": EC2_CREATES.map(([action]) => action.replace("ec2:", "")) } },
    },
    { Sid: "Ec2ChangeOwn", Effect: "Allow", Action: EC2_CHANGES, Resource: "*", Condition: ownTagged },
    {
      // RDS names the managed master secret (`rds!cluster-<uuid>`) and tags it with its cluster's ARN.
      Sid: "RdsManagedSecretsCreate",
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      Resource: arn.of("secretsmanager", "secret:rds!*"),
      Condition: { StringLike: { "aws:RequestTag/aws:rds:primaryDBClusterArn": rdsPreviewCluster } },
    },
    {
      Sid: "RdsManagedSecretsOwn",
      Effect: "Allow",
      Action: ["secretsmanager:DeleteSecret", "secretsmanager:RotateSecret", "secretsmanager:TagResource"],
      Resource: arn.of("secretsmanager", "secret:rds!*"),
      Condition: { StringLike: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": rdsPreviewCluster } },
    },
    { Sid: "KmsCreateKeysTagged", Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: createsTagged },
    {
      Sid: "KmsManageOwnKeys",
      Effect: "Allow",
      Action: [...DEPLOY_ACTIONS.kmsKeys, ...DEPLOY_ACTIONS.kmsAliases],
      Resource: arn.of("kms", "key/*"),
      Condition: ownTagged,
    },
    {
      // Creating an HTTP API is a POST on the collection `/apis`; its children are changes of it (below).
      Sid: "EdgeAndIdentityCreateTagged",
      Effect: "Allow",
      Action: ["apigateway:POST", "cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags"],
      Resource: [`arn:${arn.partition}:apigateway:${arn.region}::/apis`, arn.global("cloudfront", "distribution/*")],
      Condition: createsTagged,
    },
    // CreateUserPool names no resource (IAM requires `*`): it can only make a new pool.
    { Sid: "CognitoCreatePoolTagged", Effect: "Allow", Action: "cognito-idp:CreateUserPool", Resource: "*", Condition: createsTagged },
    {
      // Tags applied while creating (CloudFront and Cognito authorise them as TagResource): only
      // on a resource that has no Environment tag yet, so another environment's cannot be re-tagged.
      Sid: "EdgeAndIdentityTagOnCreate",
      Effect: "Allow",
      Action: ["apigateway:TagResource", "cloudfront:TagResource", "cognito-idp:TagResource"],
      Resource: "*",
      Condition: { ...createsTagged, Null: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: "true" } },
    },
    {
      Sid: "EdgeAndIdentityChangeOwn",
      Effect: "Allow",
      Action: [
        ...DEPLOY_ACTIONS.apigateway,
        ...DEPLOY_ACTIONS.cloudfrontDistributions,
        "cognito-idp:CreateUserPoolClient",
        "cognito-idp:CreateUserPoolDomain",
        "cognito-idp:CreateGroup",
        "cognito-idp:UpdateUserPool*",
        "cognito-idp:UpdateGroup",
        "cognito-idp:DeleteUserPool*",
        "cognito-idp:DeleteGroup",
        "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:TagResource",
        "cognito-idp:UntagResource",
      ],
      Resource: "*",
      Condition: ownTagged,
    },
    {
      // Origin access controls have no tags and no name in the ARN: a preview may create its own
      // and delete one; CloudFront refuses to delete an OAC still attached to a distribution
      // (OriginAccessControlInUse), so another environment's (attached) OAC cannot be removed.
      // No UpdateOriginAccessControl: a preview's OAC is replaced, never changed.
      Sid: "CloudfrontOriginAccessControls",
      Effect: "Allow",
      Action: ["cloudfront:CreateOriginAccessControl", "cloudfront:DeleteOriginAccessControl"],
      Resource: arn.global("cloudfront", "origin-access-control/*"),
    },
    { Sid: "Tracing", Effect: "Allow", Action: ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": regions } } },
  ];
}
