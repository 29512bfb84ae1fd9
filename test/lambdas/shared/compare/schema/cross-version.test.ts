import { beforeAll, describe, expect, it } from 'vitest';
import { diffSchemas } from '../../../../../lambdas/shared/compare/schema';
import { usePostgres } from '../../../../helpers/postgres';
import { usePostgresMajor } from '../../../../helpers/postgres-versions';
import { execute, recreateDatabase, snapshotOf } from './schema-databases';

/**
 * Built the same way on both servers. It leans on what PostgreSQL prints through pg_get_*: views
 * of several shapes (one relation, an alias, a subquery, a join, a union, a CTE, a window),
 * check constraints, defaults, partial and expression indexes, generated and identity columns,
 * triggers (also on a partitioned table, whose partitions get copies).
 */
const SCHEMA = `
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'paid', 'shipped');
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE app.customers (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 5) PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name varchar(40) COLLATE "C",
  created timestamp(3) with time zone NOT NULL DEFAULT now(),
  tags text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE app.orders (
  id serial PRIMARY KEY,
  customer_id bigint REFERENCES app.customers ON DELETE CASCADE DEFERRABLE,
  status app.status NOT NULL DEFAULT 'new',
  total numeric(12,2) NOT NULL DEFAULT 0 CHECK (total >= 0),
  qty integer CHECK (qty > 0 AND qty < 1000),
  price numeric,
  amount numeric GENERATED ALWAYS AS (price * qty) STORED,
  placed_at timestamp DEFAULT (now() AT TIME ZONE 'utc'),
  note text DEFAULT 'a  b',
  CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid') OR total > -1.5)
);
CREATE INDEX orders_customer_idx ON app.orders (customer_id) WHERE total > 10;
CREATE INDEX ON app.orders (lower(note), total DESC NULLS LAST) INCLUDE (qty);
CREATE UNIQUE INDEX orders_qty_idx ON app.orders (qty) WITH (fillfactor = 70);
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF total ON app.orders
  FOR EACH ROW WHEN (NEW.total > 0) EXECUTE FUNCTION app.touch('a b', 'it''s');
CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, body jsonb) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX ON app.events (at);
CREATE TRIGGER events_touch BEFORE UPDATE ON app.events FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE VIEW app.paid AS SELECT id, total FROM app.orders WHERE status = 'paid' ORDER BY total DESC;
CREATE VIEW app.aliased AS SELECT o.id, o.total * 2 AS twice FROM app.orders o WHERE o.qty BETWEEN 1 AND 5;
CREATE VIEW app.from_subquery AS SELECT s.id FROM (SELECT id FROM app.orders WHERE total > 1) s;
CREATE VIEW app.joined AS
  SELECT o.id, c.email, CASE WHEN o.total > 100 THEN 'big' ELSE 'small' END AS size, coalesce(o.note, 'x') AS n
  FROM app.orders o JOIN app.customers c ON c.id = o.customer_id
  WHERE o.status = ANY (ARRAY['new', 'paid']::app.status[]);
CREATE VIEW app.unioned AS SELECT id FROM app.orders UNION SELECT id FROM app.customers;
CREATE VIEW app.with_cte AS WITH big AS (SELECT id FROM app.orders WHERE total > 100) SELECT id FROM app.customers WHERE id IN (SELECT id FROM big);
CREATE VIEW app.ranked AS
  SELECT id, rank() OVER (PARTITION BY customer_id ORDER BY total DESC) AS r,
    EXISTS (SELECT 1 FROM app.customers c WHERE c.id = orders.customer_id) AS known
  FROM app.orders;
CREATE MATERIALIZED VIEW app.daily AS
  SELECT date_trunc('day', placed_at) AS day, sum(total) AS total, count(*) FILTER (WHERE qty > 1) AS many
  FROM app.orders GROUP BY 1;
CREATE UNIQUE INDEX daily_day_idx ON app.daily (day);
`;

describe('diffSchemas across PostgreSQL major versions', () => {
  const postgres17 = usePostgres({ settings: { fsync: 'off' } });
  const postgres15 = usePostgresMajor(15);

  beforeAll(async () => {
    await recreateDatabase(postgres17, 'app');
    await recreateDatabase(postgres15(), 'app');
    await execute(postgres17, 'app', SCHEMA);
    await execute(postgres15(), 'app', SCHEMA);
  });

  it('finds no difference between the same schema built on PostgreSQL 15 and on 17', async () => {
    // Prepare
    const source = await snapshotOf(postgres15(), 'app');
    const target = await snapshotOf(postgres17, 'app');

    // Act
    const differences = diffSchemas(source, target);

    // Assess
    expect([source.serverVersionNum, target.serverVersionNum].map((n) => Math.floor(n / 10000))).toEqual([15, 17]);
    expect(differences).toEqual([]);
  });
});
