-- retort:revision 20240102000000
-- retort:parent 20240101000000
-- retort:message add notes

-- migrate:up
CREATE TABLE notes (id integer primary key, author_id integer REFERENCES users (id));

-- migrate:down
DROP TABLE notes;
