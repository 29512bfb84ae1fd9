import { beforeAll, describe, expect, it } from 'vitest';
import { diffSchemas } from '../../../../../lambdas/shared/compare/schema';
import { usePostgres } from '../../../../helpers/postgres';
import { execute, recreateDatabase, snapshotOf } from './schema-databases';

/** One schema, written in creation order. */
const IN_ORDER = `
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE app.ticket_no;
CREATE TABLE app.customers (id bigint PRIMARY KEY, email text NOT NULL, mood app.mood DEFAULT 'ok');
CREATE TABLE app.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL,
  total numeric(12,2) NOT NULL DEFAULT 0,
  note text
);
ALTER TABLE app.customers ADD UNIQUE (email);
ALTER TABLE app.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id);
ALTER TABLE app.orders ADD CHECK (total >= 0);
ALTER TABLE app.orders ADD CHECK (note <> '');
CREATE INDEX ON app.orders (customer_id);
CREATE INDEX ON app.orders (total);
CREATE INDEX ON app.orders (total) WHERE note IS NOT NULL;
CREATE VIEW app.order_totals AS SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY customer_id;
`;

/** The same schema, built in another order: tables, columns, constraints and indexes. */
const OUT_OF_ORDER = `
CREATE SCHEMA app;
CREATE TABLE app.orders (note text);
ALTER TABLE app.orders ADD COLUMN total numeric(12,2) NOT NULL DEFAULT 0;
ALTER TABLE app.orders ADD CHECK (note <> '');
CREATE INDEX ON app.orders (total) WHERE note IS NOT NULL;
ALTER TABLE app.orders ADD COLUMN customer_id bigint NOT NULL;
ALTER TABLE app.orders ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE app.orders ADD PRIMARY KEY (id);
CREATE INDEX ON app.orders (total);
ALTER TABLE app.orders ADD CHECK (total >= 0);
CREATE INDEX ON app.orders (customer_id);
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE app.customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, mood app.mood DEFAULT 'ok');
ALTER TABLE app.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id);
CREATE VIEW app.order_totals AS SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY customer_id;
CREATE SEQUENCE app.ticket_no;
`;

/** Names that need quoting everywhere: quotes, spaces, upper case, non-ASCII, a dollar sign. */
const QUOTED = `
CREATE SCHEMA "Weird ""Schema""";
CREATE TYPE "Weird ""Schema"""."Stimmung Ü" AS ENUM ('gut', 'schlecht');
CREATE SEQUENCE "Weird ""Schema"""."Zähler";
CREATE TABLE "Weird ""Schema"""."Tabelle ünï" (
  "ID" integer PRIMARY KEY DEFAULT nextval('"Weird ""Schema"""."Zähler"'),
  "Total $" numeric(12,2) NOT NULL CONSTRAINT "Total ""positive""" CHECK ("Total $" >= 0),
  "Stimmung" "Weird ""Schema"""."Stimmung Ü"
);
CREATE INDEX "Idx ""Q""" ON "Weird ""Schema"""."Tabelle ünï" ("Total $") WHERE "Total $" > 0;
CREATE VIEW "Weird ""Schema"""."Sicht" AS SELECT "ID", "Total $" FROM "Weird ""Schema"""."Tabelle ünï" WHERE "Total $" > 10;
`;

const WEIRD_TABLE = '"Weird ""Schema"""."Tabelle ünï"';

describe('readSchemaSnapshot', () => {
  const server = usePostgres({ settings: { fsync: 'off' } });

  beforeAll(async () => {
    await Promise.all(['in_order', 'out_of_order', 'quoted_a', 'quoted_b', 'selected', 'with_extension'].map((name) => recreateDatabase(server, name)));
    await execute(server, 'in_order', IN_ORDER);
    await execute(server, 'out_of_order', OUT_OF_ORDER);
    await execute(server, 'quoted_a', QUOTED);
    await execute(server, 'quoted_b', QUOTED);
  });

  it('finds schemas built in different orders equal, apart from column positions (info)', async () => {
    // Prepare
    const [source, target] = [await snapshotOf(server, 'in_order'), await snapshotOf(server, 'out_of_order')];

    // Act
    const differences = diffSchemas(source, target);

    // Assess
    expect(differences).toEqual([
      { kind: 'column-position', object: 'app.orders.customer_id', source: 2, target: 3, severity: 'info' },
      { kind: 'column-position', object: 'app.orders.id', source: 1, target: 4, severity: 'info' },
      { kind: 'column-position', object: 'app.orders.note', source: 4, target: 1, severity: 'info' },
      { kind: 'column-position', object: 'app.orders.total', source: 3, target: 2, severity: 'info' },
    ]);
  });

  it('reads names that need quoting as they are, with definitions quoted as PostgreSQL quotes them', async () => {
    // Act
    const snapshot = await snapshotOf(server, 'quoted_a');

    // Assess
    expect(snapshot.tables.map((t) => [t.schema, t.name, t.columns.map((c) => c.name)])).toEqual([
      ['Weird "Schema"', 'Tabelle ünï', ['ID', 'Total $', 'Stimmung']],
    ]);
    expect(snapshot.tables[0]?.columns.map((c) => [c.type, c.default])).toEqual([
      ['integer', `nextval('"Weird ""Schema"""."Zähler"'::regclass)`],
      ['numeric(12,2)', null],
      ['"Weird ""Schema"""."Stimmung Ü"', null],
    ]);
    expect(snapshot.tables[0]?.constraints.map((c) => [c.name, c.definition])).toEqual([
      ['Tabelle ünï_pkey', 'PRIMARY KEY ("ID")'],
      ['Total "positive"', 'CHECK ("Total $" >= (0)::numeric)'],
    ]);
    expect(snapshot.indexes).toEqual([
      {
        schema: 'Weird "Schema"',
        name: 'Idx "Q"',
        table: 'Tabelle ünï',
        definition: `CREATE INDEX ON ${WEIRD_TABLE} USING btree ("Total $") WHERE ("Total $" > (0)::numeric)`,
        unique: false,
        valid: true,
      },
    ]);
    expect(snapshot.views.map((v) => v.definition)).toEqual([`SELECT "ID", "Total $" FROM ${WEIRD_TABLE} WHERE ("Total $" > (10)::numeric)`]);
    expect(snapshot.enums).toEqual([{ schema: 'Weird "Schema"', name: 'Stimmung Ü', labels: ['gut', 'schlecht'] }]);
    expect(snapshot.sequences.map((s) => s.name)).toEqual(['Zähler']);
  });

  it('compares names that need quoting correctly: equal when equal, and a change named as it is', async () => {
    // Prepare
    const source = await snapshotOf(server, 'quoted_a');
    const unchanged = await snapshotOf(server, 'quoted_b');
    await execute(server, 'quoted_b', `ALTER TABLE ${WEIRD_TABLE} ALTER COLUMN "Total $" SET DEFAULT 1`);
    const changed = await snapshotOf(server, 'quoted_b');

    // Act
    const [whenEqual, whenChanged] = [diffSchemas(source, unchanged), diffSchemas(source, changed)];

    // Assess
    expect(whenEqual).toEqual([]);
    expect(whenChanged).toEqual([
      { kind: 'column-default', object: 'Weird "Schema".Tabelle ünï.Total $', source: null, target: '1', severity: 'error' },
    ]);
  });

  it('gives a plain JSON snapshot that survives stringify and parse and compares equal to itself', async () => {
    // Prepare
    const snapshot = await snapshotOf(server, 'in_order');

    // Act
    const roundTripped = JSON.parse(JSON.stringify(snapshot));

    // Assess
    expect(roundTripped).toEqual(snapshot);
    expect(diffSchemas(snapshot, roundTripped)).toEqual([]);
    expect(snapshot).toMatchObject({ formatVersion: 1, serverVersion: expect.stringMatching(/^17\./), selection: null });
  });

  it('limits a snapshot to selected tables, keeping what they use and their schemas’ views, sequences and enums', async () => {
    // Prepare
    await execute(
      server,
      'selected',
      `CREATE SCHEMA sales; CREATE SCHEMA ref;
       CREATE TYPE ref.currency AS ENUM ('EUR', 'USD');
       CREATE TYPE ref.unused AS ENUM ('x');
       CREATE SEQUENCE ref.order_no;
       CREATE SEQUENCE ref.other_no;
       CREATE TABLE ref.rates (currency ref.currency PRIMARY KEY, rate numeric);
       CREATE VIEW ref.rate_view AS SELECT currency FROM ref.rates;
       CREATE TABLE sales.orders (no bigint DEFAULT nextval('ref.order_no'), currency ref.currency[], id serial PRIMARY KEY);
       CREATE INDEX orders_no_idx ON sales.orders (no);
       CREATE TABLE sales.items (id int PRIMARY KEY);
       CREATE INDEX items_id_idx ON sales.items (id);
       CREATE VIEW sales.order_view AS SELECT id FROM sales.orders;`,
    );

    // Act
    const snapshot = await snapshotOf(server, 'selected', { selection: { include: ['sales.*'], exclude: ['sales.items'] } });

    // Assess
    expect(snapshot.selection).toEqual({ include: ['sales.*'], exclude: ['sales.items'] });
    expect(snapshot.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['sales.orders']);
    expect(snapshot.indexes.map((i) => `${i.schema}.${i.name}`)).toEqual(['sales.orders_no_idx']);
    expect(snapshot.sequences.map((s) => `${s.schema}.${s.name}`)).toEqual(['ref.order_no', 'sales.orders_id_seq']);
    expect(snapshot.enums.map((e) => `${e.schema}.${e.name}`)).toEqual(['ref.currency']);
    expect(snapshot.views.map((v) => `${v.schema}.${v.name}`)).toEqual(['sales.order_view']);
  });

  it('leaves out what extensions create, but lists the extensions', async () => {
    // Prepare
    await execute(server, 'with_extension', 'CREATE EXTENSION pg_buffercache; CREATE VIEW public.mine AS SELECT 1 AS one;');

    // Act
    const snapshot = await snapshotOf(server, 'with_extension');

    // Assess
    expect(snapshot.views.map((v) => `${v.schema}.${v.name}`)).toEqual(['public.mine']);
    expect(snapshot.extensions.map((e) => e.name)).toEqual(['pg_buffercache', 'plpgsql']);
    expect(snapshot.tables).toEqual([]);
  });
});
