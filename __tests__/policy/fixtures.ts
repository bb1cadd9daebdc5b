/**
 * Small Terraform JSON fixtures (the cdk.tf.json shape: `resource.<type>.<name>`), one
 * "compliant" stack per area, and the single edits that make one rule fail.
 * Attribute names are the AWS provider 5.100 ones (`toTerraform()` in @cdktf/provider-aws 20.1).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

export type Doc = { resource: Record<string, Record<string, any>>; data?: Record<string, Record<string, any>>; terraform?: any; provider?: any };

const ACCOUNT = "111111111111";
const json = (value: unknown) => JSON.stringify(value);

export function s3Stack(): Doc {
  const bucket = "${aws_s3_bucket.site.id}";
  return {
    resource: {
      aws_kms_key: { key: { enable_key_rotation: true } },
      aws_s3_bucket: { site: { bucket: "twinstack-fixture-site", force_destroy: false } },
      aws_s3_bucket_public_access_block: {
        pab: { bucket, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true },
      },
      aws_s3_bucket_versioning: { versioning: { bucket, versioning_configuration: { status: "Enabled" } } },
      aws_s3_bucket_server_side_encryption_configuration: {
        sse: { bucket, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.key.arn}" }, bucket_key_enabled: true }] },
      },
      aws_s3_bucket_ownership_controls: { ownership: { bucket, rule: { object_ownership: "BucketOwnerEnforced" } } },
      aws_s3_bucket_lifecycle_configuration: {
        lifecycle: { bucket, rule: [{ id: "abort", status: "Enabled", filter: [{ prefix: "" }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }] },
      },
      aws_s3_bucket_acl: { acl: { bucket, acl: "private" } },
      aws_s3_bucket_policy: {
        policy: {
          bucket,
          // Interpolations inside JSON strings, as cdktf writes them.
          policy: json({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: ["${aws_s3_bucket.site.arn}", "${aws_s3_bucket.site.arn}/*"],
                Condition: { Bool: { "aws:SecureTransport": false } },
              },
              {
                Sid: "CloudFrontReads",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: "${aws_s3_bucket.site.arn}/*",
                Condition: { StringEquals: { "AWS:SourceArn": "${aws_cloudfront_distribution.cdn.arn}" } },
              },
            ],
          }),
        },
      },
    },
  };
}

export function cloudfrontStack(): Doc {
  return {
    resource: {
      aws_cloudfront_origin_access_control: {
        oac: { name: "twinstack-site", origin_access_control_origin_type: "s3", signing_behavior: "always", signing_protocol: "sigv4" },
      },
      aws_cloudfront_response_headers_policy: {
        headers: { name: "twinstack-headers", security_headers_config: { strict_transport_security: { access_control_max_age_sec: 31536000, include_subdomains: true, override: true } } },
      },
      aws_cloudfront_distribution: {
        cdn: {
          enabled: true,
          default_root_object: "index.html",
          origin: [
            { origin_id: "site", domain_name: "${aws_s3_bucket.site.bucket_regional_domain_name}", origin_access_control_id: "${aws_cloudfront_origin_access_control.oac.id}" },
            {
              origin_id: "api",
              domain_name: "abc123.execute-api.us-east-1.amazonaws.com",
              custom_origin_config: { http_port: 80, https_port: 443, origin_protocol_policy: "https-only", origin_ssl_protocols: ["TLSv1.2"] },
            },
          ],
          default_cache_behavior: {
            target_origin_id: "site",
            viewer_protocol_policy: "redirect-to-https",
            allowed_methods: ["GET", "HEAD"],
            cached_methods: ["GET", "HEAD"],
            response_headers_policy_id: "67f7725c-6f97-4210-82d7-5512b31e9d03",
          },
          ordered_cache_behavior: [
            {
              path_pattern: "/api/*",
              target_origin_id: "api",
              viewer_protocol_policy: "https-only",
              allowed_methods: ["GET", "HEAD"],
              cached_methods: ["GET", "HEAD"],
              response_headers_policy_id: "${aws_cloudfront_response_headers_policy.headers.id}",
            },
          ],
          restrictions: { geo_restriction: { restriction_type: "none" } },
          viewer_certificate: { acm_certificate_arn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`, ssl_support_method: "sni-only", minimum_protocol_version: "TLSv1.2_2021" },
        },
      },
    },
  };
}

export function databaseStack(): Doc {
  return {
    resource: {
      aws_kms_key: { key: { enable_key_rotation: true } },
      aws_rds_cluster_parameter_group: { params: { name: "fixture", family: "aurora-postgresql16", parameter: [{ name: "rds.force_ssl", value: "1" }] } },
      aws_rds_cluster: {
        cluster: {
          cluster_identifier: "twinstack-fixture",
          engine: "aurora-postgresql",
          engine_mode: "provisioned",
          engine_version: "16.4",
          storage_encrypted: true,
          kms_key_id: "${aws_kms_key.key.arn}",
          deletion_protection: true,
          iam_database_authentication_enabled: true,
          backup_retention_period: 14,
          enabled_cloudwatch_logs_exports: ["postgresql"],
          copy_tags_to_snapshot: true,
          manage_master_user_password: true,
          master_user_secret_kms_key_id: "${aws_kms_key.key.arn}",
          master_username: "twinstack_admin",
          db_cluster_parameter_group_name: "${aws_rds_cluster_parameter_group.params.name}",
          skip_final_snapshot: false,
          final_snapshot_identifier: "twinstack-fixture-final",
          serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 4 },
        },
      },
      aws_rds_cluster_instance: {
        writer: {
          cluster_identifier: "${aws_rds_cluster.cluster.id}",
          instance_class: "db.serverless",
          engine: "aurora-postgresql",
          publicly_accessible: false,
          auto_minor_version_upgrade: true,
          performance_insights_enabled: true,
          performance_insights_kms_key_id: "${aws_kms_key.key.arn}",
        },
      },
    },
  };
}

export function computeStack(): Doc {
  return {
    resource: {
      aws_lambda_function: {
        api: {
          function_name: "twinstack-fixture-api",
          runtime: "nodejs22.x",
          handler: "index.handler",
          role: "${aws_iam_role.fn.arn}",
          tracing_config: { mode: "Active" },
          vpc_config: { subnet_ids: ["${aws_subnet.a.id}", "${aws_subnet.b.id}"], security_group_ids: ["${aws_security_group.fn.id}"] },
          reserved_concurrent_executions: 10,
          kms_key_arn: "${aws_kms_key.key.arn}",
          environment: { variables: { DB_SECRET_ARN: "${aws_rds_cluster.db.master_user_secret[0].secret_arn}", LOG_LEVEL: "info", API_TOKEN_PARAMETER: "/twinstack/token" } },
        },
      },
      aws_lambda_permission: {
        invoke: { action: "lambda:InvokeFunction", function_name: "${aws_lambda_function.api.function_name}", principal: "apigateway.amazonaws.com", source_arn: "${aws_apigatewayv2_api.api.execution_arn}/*/*" },
      },
      aws_lambda_function_url: { url: { function_name: "${aws_lambda_function.api.function_name}", authorization_type: "AWS_IAM" } },
      aws_apigatewayv2_api: {
        api: { name: "twinstack-fixture", protocol_type: "HTTP", cors_configuration: { allow_origins: ["https://app.example.com"], allow_credentials: true, allow_methods: ["GET"] } },
      },
      aws_apigatewayv2_authorizer: { jwt: { api_id: "${aws_apigatewayv2_api.api.id}", authorizer_type: "JWT", name: "cognito" } },
      aws_apigatewayv2_route: {
        health: { api_id: "${aws_apigatewayv2_api.api.id}", route_key: "GET /health", authorization_type: "NONE" },
        proxy: { api_id: "${aws_apigatewayv2_api.api.id}", route_key: "ANY /{proxy+}", authorization_type: "JWT", authorizer_id: "${aws_apigatewayv2_authorizer.jwt.id}" },
      },
      aws_apigatewayv2_stage: {
        default: {
          api_id: "${aws_apigatewayv2_api.api.id}",
          name: "$default",
          auto_deploy: true,
          access_log_settings: { destination_arn: "${aws_cloudwatch_log_group.access.arn}", format: json({ requestId: "$context.requestId" }) },
          default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 },
        },
      },
    },
  };
}

export function cognitoStack(): Doc {
  return {
    resource: {
      aws_cognito_user_pool: {
        users: {
          name: "twinstack-fixture",
          password_policy: { minimum_length: 12, require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true },
          mfa_configuration: "OPTIONAL",
          software_token_mfa_configuration: { enabled: true },
          deletion_protection: "ACTIVE",
        },
      },
      aws_cognito_user_pool_client: {
        web: {
          name: "web",
          user_pool_id: "${aws_cognito_user_pool.users.id}",
          generate_secret: false,
          allowed_oauth_flows: ["code"],
          allowed_oauth_flows_user_pool_client: true,
          explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          prevent_user_existence_errors: "ENABLED",
        },
      },
      aws_cognito_identity_pool: { ids: { identity_pool_name: "twinstack_fixture", allow_unauthenticated_identities: false } },
    },
  };
}

export function networkStack(): Doc {
  const vpc = "${aws_vpc.vpc.id}";
  return {
    resource: {
      aws_vpc: { vpc: { cidr_block: "10.20.0.0/16" } },
      aws_default_security_group: { default: { vpc_id: vpc } },
      aws_flow_log: { log: { vpc_id: vpc, traffic_type: "ALL", log_destination_type: "cloud-watch-logs", log_destination: "${aws_cloudwatch_log_group.flow.arn}" } },
      aws_subnet: {
        private: { vpc_id: vpc, cidr_block: "10.20.64.0/20", map_public_ip_on_launch: false, tags: { Tier: "private" } },
        public: { vpc_id: vpc, cidr_block: "10.20.0.0/20", map_public_ip_on_launch: true, tags: { Tier: "public" } },
      },
      aws_route_table: { public: { vpc_id: vpc, tags: { Name: "fixture-public" } }, private: { vpc_id: vpc, tags: { Name: "fixture-private" } } },
      aws_internet_gateway: { igw: { vpc_id: vpc } },
      aws_route: { internet: { route_table_id: "${aws_route_table.public.id}", destination_cidr_block: "0.0.0.0/0", gateway_id: "${aws_internet_gateway.igw.id}" } },
      aws_security_group: {
        fn: { vpc_id: vpc, name: "fixture-fn", description: "Lambda functions of the fixture" },
        legacy: {
          vpc_id: vpc,
          name: "fixture-legacy",
          description: "Inline rules",
          ingress: [{ from_port: 5432, to_port: 5432, protocol: "tcp", cidr_blocks: ["10.20.0.0/16"], description: "PostgreSQL from the VPC" }],
          egress: [],
        },
      },
      aws_vpc_security_group_ingress_rule: {
        https: { security_group_id: "${aws_security_group.fn.id}", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.20.0.0/16", description: "HTTPS from the VPC" },
      },
      aws_vpc_security_group_egress_rule: {
        https: { security_group_id: "${aws_security_group.fn.id}", ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0", description: "HTTPS to AWS APIs (documented)" },
      },
      aws_security_group_rule: {
        db: { type: "egress", security_group_id: "${aws_security_group.fn.id}", protocol: "tcp", from_port: 5432, to_port: 5432, source_security_group_id: "${aws_security_group.legacy.id}", description: "To the database" },
      },
      aws_vpc_endpoint: {
        s3: { vpc_id: vpc, service_name: "com.amazonaws.us-east-1.s3", vpc_endpoint_type: "Gateway" },
        secrets: { vpc_id: vpc, service_name: "com.amazonaws.us-east-1.secretsmanager", vpc_endpoint_type: "Interface", private_dns_enabled: true, security_group_ids: ["${aws_security_group.fn.id}"] },
      },
    },
  };
}

export function platformStack(): Doc {
  const trust = (service: string) =>
    json({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } }] });
  return {
    resource: {
      aws_kms_key: {
        key: {
          enable_key_rotation: true,
          deletion_window_in_days: 30,
          policy: json({
            Version: "2012-10-17",
            Statement: [
              { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
              {
                Sid: "Logs",
                Effect: "Allow",
                Principal: { Service: "logs.us-east-1.amazonaws.com" },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*` } },
              },
            ],
          }),
        },
      },
      aws_cloudwatch_log_group: { logs: { name: "/twinstack/fixture", retention_in_days: 30, kms_key_id: "${aws_kms_key.key.arn}" } },
      aws_secretsmanager_secret: { secret: { name: "twinstack/fixture", kms_key_id: "${aws_kms_key.key.arn}" } },
      aws_iam_role: {
        fn: { name: "fixture-fn", assume_role_policy: trust("lambda.amazonaws.com") },
        deploy: { name: "fixture-deploy", assume_role_policy: "${data.aws_iam_policy_document.github_trust.json}" },
      },
      aws_iam_role_policy: {
        fn: {
          role: "${aws_iam_role.fn.id}",
          policy: json({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "${aws_secretsmanager_secret.secret.arn}" },
              { Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::${ACCOUNT}:role/fixture-fn`, Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } } },
            ],
          }),
        },
      },
      aws_iam_role_policy_attachment: { vpc: { role: "${aws_iam_role.fn.name}", policy_arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" } },
      aws_iam_openid_connect_provider: { github: { url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] } },
      aws_dynamodb_table: {
        lock: {
          name: "fixture-lock",
          hash_key: "LockID",
          billing_mode: "PAY_PER_REQUEST",
          deletion_protection_enabled: true,
          point_in_time_recovery: { enabled: true },
          server_side_encryption: { enabled: true, kms_key_arn: "${aws_kms_key.key.arn}" },
        },
      },
      aws_sns_topic: { alarms: { name: "fixture-alarms", kms_master_key_id: "${aws_kms_key.key.id}" } },
      aws_cloudwatch_metric_alarm: { errors: { alarm_name: "fixture-errors", alarm_actions: ["${aws_sns_topic.alarms.arn}"], metric_name: "Errors", namespace: "AWS/Lambda" } },
    },
    data: {
      aws_iam_policy_document: {
        github_trust: {
          statement: [
            {
              effect: "Allow",
              actions: ["sts:AssumeRoleWithWebIdentity"],
              principals: [{ type: "Federated", identifiers: ["${aws_iam_openid_connect_provider.github.arn}"] }],
              condition: [
                { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
                { test: "StringEquals", variable: "token.actions.githubusercontent.com:sub", values: ["repo:example-org/twinstack:environment:production"] },
              ],
            },
          ],
        },
      },
    },
    terraform: { backend: { s3: { bucket: "fixture-tfstate", key: "fixture/terraform.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true, dynamodb_table: "fixture-lock" } } },
    provider: { aws: [{ region: "us-east-1", allowed_account_ids: [ACCOUNT], default_tags: [{ tags: { Project: "twinstack", Environment: "fixture" } }] }] },
  };
}

/** A protected environment's backups and budget: a locked, encrypted vault, the cluster in a plan, a budget alerting a topic. */
export function resilienceStack(): Doc {
  return {
    resource: {
      aws_kms_key: { key: { enable_key_rotation: true } },
      aws_rds_cluster: { cluster: { cluster_identifier: "twinstack-fixture", storage_encrypted: true, kms_key_id: "${aws_kms_key.key.arn}" } },
      aws_backup_vault: { vault: { name: "twinstack-fixture", kms_key_arn: "${aws_kms_key.key.arn}" } },
      aws_backup_vault_lock_configuration: { lock: { backup_vault_name: "${aws_backup_vault.vault.name}", min_retention_days: 7, max_retention_days: 365 } },
      aws_backup_plan: { plan: { name: "twinstack-fixture-database", rule: [{ rule_name: "snapshots", target_vault_name: "${aws_backup_vault.vault.name}", schedule: "cron(0 5 * * ? *)" }] } },
      aws_backup_selection: { selection: { name: "twinstack-fixture-database", plan_id: "${aws_backup_plan.plan.id}", iam_role_arn: "${aws_iam_role.backup.arn}", resources: ["${aws_rds_cluster.cluster.arn}"] } },
      aws_sns_topic: { p1: { name: "twinstack-fixture-p1", kms_master_key_id: "${aws_kms_key.key.arn}" } },
      aws_budgets_budget: {
        budget: {
          name: "twinstack-fixture",
          budget_type: "COST",
          limit_amount: "100.00",
          limit_unit: "USD",
          time_unit: "MONTHLY",
          notification: [{ notification_type: "ACTUAL", comparison_operator: "GREATER_THAN", threshold: 80, threshold_type: "PERCENTAGE", subscriber_sns_topic_arns: ["${aws_sns_topic.p1.arn}"] }],
        },
      },
    },
    provider: { aws: [{ region: "us-east-1", allowed_account_ids: [ACCOUNT], default_tags: [{ tags: { Project: "twinstack", Environment: "fixture" } }] }] },
  };
}

export function clone(doc: Doc): Doc {
  return JSON.parse(JSON.stringify(doc)) as Doc;
}

export function policyOf(doc: Doc, type: string, name: string, attribute = "policy"): any {
  return JSON.parse(doc.resource[type][name][attribute]);
}

export function setPolicy(doc: Doc, type: string, name: string, policy: unknown, attribute = "policy"): void {
  doc.resource[type][name][attribute] = json(policy);
}
