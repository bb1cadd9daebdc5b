import type { ScrubManifestInput } from "../../scripts/refresh/scrub/manifest";
import { staging } from "./config";

/**
 * How a production copy is made safe before it becomes staging (and every preview): each table
 * and column of the application's schema, classified. Anything not listed here stops the refresh
 * before the scrub (privacy by default); `npm run refresh -- check-scrub --to staging
 * --database-url <url>` checks a database against it. See docs/privacy.md.
 */
export const scrubManifest: ScrubManifestInput = {
  emails: {
    // The team's own test accounts keep their addresses and, through them, their staging sign-in:
    // staging's configured users (environments/staging/config.ts, one list) and these.
    allow: { addresses: [...(staging.users ?? []).map((user) => user.email), "qa@example.com", "ops@example.com"], domains: ["twinstack-test.example.com"] },
    maskedDomain: "staging.example.com",
  },
  tables: {
    app_users: {
      columns: {
        id: "keep",
        // Linked to staging's pool only for allowlisted team accounts; everyone else cannot sign in.
        cognito_sub: { "remap-cognito-sub": { emailColumn: "email" } },
        email: "mask-email",
        full_name: { fake: "name" },
        display_name: { fake: "first-name" },
        phone: { fake: "phone" },
        home_address: { fake: "address" },
        // Third-party ids never leave production.
        stripe_customer_id: "null",
        created_at: "keep",
        updated_at: "keep",
      },
    },
    projects: {
      columns: {
        id: "keep",
        owner_id: "keep",
        // Customers name projects after people and places.
        name: { fake: "company" },
        description: { fake: "text" },
        created_at: "keep",
      },
    },
    notes: {
      columns: {
        id: "keep",
        project_id: "keep",
        author_id: "keep",
        body: { fake: "text" },
        created_at: "keep",
      },
    },
    attachments: {
      columns: {
        id: "keep",
        note_id: "keep",
        // The objects half copies the uploads under the same keys: the rows must still find them.
        object_key: "keep",
        content_type: "keep",
        size_bytes: "keep",
        created_at: "keep",
      },
    },
    // Session tokens: none survives a refresh.
    sessions: "truncate",
    // node-pg-migrate's bookkeeping: which migrations ran (staging's migrations continue from it).
    pgmigrations: {
      columns: {
        id: "keep",
        name: "keep",
        run_on: "keep",
      },
    },
  },
};
