-- migrate:up
CREATE TABLE users (id integer primary key);
-- migrate:down
DROP TABLE users;
