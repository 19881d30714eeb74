-- retort:revision 20260101090000
-- retort:parent base
-- retort:message create users

-- migrate:up
CREATE TABLE "users" (
  "id" INTEGER PRIMARY KEY,
  "email" TEXT NOT NULL,
  CONSTRAINT "users_email_key" UNIQUE ("email")
);

-- migrate:down
-- retort: destructive
DROP TABLE "users";
