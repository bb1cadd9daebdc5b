-- Scrub of a production copy before it becomes staging. Runs in ONE transaction, after the
-- refresh tool has loaded the staging Cognito pool's users into the temporary table
-- refresh_cognito_users(email, sub). Any failing statement rolls everything back and stops
-- the refresh before the swap. Keep statements simple: one per `;` at end of line, no $$ bodies.

-- 1. Sign-in remap: staging's pool gives the same person a different sub than production's.
--    Point each user at the staging pool's sub by email; users without a staging account
--    cannot sign in to staging.
UPDATE app_users AS u
   SET cognito_sub = c.sub
  FROM refresh_cognito_users AS c
 WHERE lower(u.email) = c.email;

UPDATE app_users
   SET cognito_sub = NULL
 WHERE lower(email) NOT IN (SELECT email FROM refresh_cognito_users);

-- 2. Third-party tokens never leave production.
UPDATE app_users
   SET stripe_customer_id = NULL;

-- Bridge until the scrub manifest replaces this file: the application's schema
-- (functions/api/migrations) has names, phones and home addresses and no token columns; the
-- refresh tests' fixture has token columns only. Each statement touches the columns that exist.
DO $$ BEGIN IF EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'app_users' AND column_name = 'stripe_token') THEN EXECUTE 'UPDATE app_users SET stripe_token = NULL, github_token = NULL'; END IF; END $$;
DO $$ BEGIN IF EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'app_users' AND column_name = 'full_name') THEN EXECUTE 'UPDATE app_users SET full_name = ''Person '' || left(md5(id::text), 6), display_name = NULL, phone = NULL, home_address = NULL WHERE lower(email) NOT IN (''qa@example.com'', ''ops@example.com'') AND lower(email) NOT LIKE ''%@twinstack-test.example.com'''; END IF; END $$;

-- 3. Mask emails, except the team's own test accounts (the allowlist).
UPDATE app_users
   SET email = 'user-' || id || '@staging.example.com'
 WHERE lower(email) NOT IN ('qa@example.com', 'ops@example.com')
   AND lower(email) NOT LIKE '%@twinstack-test.example.com';

-- 4. No production session survives.
DELETE FROM sessions;
