-- retort:revision 20260102090000
-- retort:parent 20260101090000
-- retort:message add users.email

-- migrate:up
ALTER TABLE "users" ADD COLUMN "email" TEXT NOT NULL DEFAULT '';

-- migrate:down
ALTER TABLE "users" DROP COLUMN "email";
