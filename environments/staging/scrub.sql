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
   SET stripe_customer_id = NULL,
       stripe_token = NULL,
       github_token = NULL;

-- 3. Mask emails, except the team's own test accounts (the allowlist).
UPDATE app_users
   SET email = 'user-' || id || '@staging.example.com'
 WHERE lower(email) NOT IN ('qa@example.com', 'ops@example.com')
   AND lower(email) NOT LIKE '%@twinstack-test.example.com';

-- 4. No production session survives.
DELETE FROM sessions;
