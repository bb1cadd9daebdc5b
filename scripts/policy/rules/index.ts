/** Every twinstack policy rule, in report order. Rule ids are stable: suppressions refer to them. */
import type { Rule } from "../engine";
import { cloudfrontRules } from "./cloudfront";
import { cognitoRules } from "./cognito";
import { computeRules } from "./compute";
import { databaseRules } from "./database";
import { networkRules } from "./network";
import { platformRules } from "./platform";
import { resilienceRules } from "./resilience";
import { s3Rules } from "./s3";

export const ALL_RULES: readonly Rule[] = [...s3Rules, ...cloudfrontRules, ...databaseRules, ...computeRules, ...cognitoRules, ...networkRules, ...platformRules, ...resilienceRules];

const duplicates = ALL_RULES.map((r) => r.id).filter((id, i, ids) => ids.indexOf(id) !== i);
if (duplicates.length > 0) throw new Error(`scripts/policy/rules: duplicate rule ids ${duplicates.join(", ")}`);
