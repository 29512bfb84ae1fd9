import { describe, expect, it } from 'vitest';
import {
  normalizeConstraintDefinition,
  normalizeExpression,
  normalizeIndexDefinition,
  normalizeTriggerDefinition,
  normalizeViewDefinition,
  normalizeWhitespace,
} from '../../../../../lambdas/shared/compare/schema/normalize';

describe('normalizeWhitespace', () => {
  it('collapses runs of whitespace and drops it just inside parentheses', () => {
    // Prepare
    const printed = ' SELECT o.id,\n    o.total\n   FROM ( SELECT 1 AS id\n  )  o';

    // Act
    const normalized = normalizeWhitespace(printed);

    // Assess
    expect(normalized).toBe('SELECT o.id, o.total FROM (SELECT 1 AS id) o');
  });

  it('leaves string literals and quoted identifiers exactly as they are', () => {
    // Prepare
    const printed = `SELECT 'a  (b' AS "x  )", E'it\\'s  ( ' AS y,  "Total ""$"""`;

    // Act
    const normalized = normalizeWhitespace(printed);

    // Assess
    expect(normalized).toBe(`SELECT 'a  (b' AS "x  )", E'it\\'s  ( ' AS y, "Total ""$"""`);
  });
});

describe('normalizeExpression', () => {
  it('removes parentheses around the whole expression, however many', () => {
    // Prepare
    const printed = "((now() AT TIME ZONE 'utc'::text))";

    // Act
    const normalized = normalizeExpression(printed);

    // Assess
    expect(normalized).toBe("now() AT TIME ZONE 'utc'::text");
  });

  it('keeps parentheses that do not enclose the whole expression', () => {
    // Prepare
    const printed = '(price) * (qty)::numeric';

    // Act
    const normalized = normalizeExpression(printed);

    // Assess
    expect(normalized).toBe('(price) * (qty)::numeric');
  });
});

describe('normalizeConstraintDefinition', () => {
  it('removes redundant parentheses inside CHECK and keeps what follows', () => {
    // Prepare
    const printed = 'CHECK (((qty > 0) AND (price > 0))) NO INHERIT';

    // Act
    const normalized = normalizeConstraintDefinition(printed);

    // Assess
    expect(normalized).toBe('CHECK ((qty > 0) AND (price > 0)) NO INHERIT');
  });

  it('leaves a foreign key as printed', () => {
    // Prepare
    const printed = 'FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE';

    // Act
    const normalized = normalizeConstraintDefinition(printed);

    // Assess
    expect(normalized).toBe(printed);
  });
});

describe('normalizeIndexDefinition', () => {
  it("removes the index's own name, quoted as PostgreSQL quotes it", () => {
    // Prepare
    const printed = 'CREATE UNIQUE INDEX "Idx ""Q""" ON "Weird ""Schema"""."Tabelle ünï" USING btree ("Total $") WHERE (("Total $" > 0))';

    // Act
    const normalized = normalizeIndexDefinition(printed, '"Idx ""Q"""');

    // Assess
    expect(normalized).toBe('CREATE UNIQUE INDEX ON "Weird ""Schema"""."Tabelle ünï" USING btree ("Total $") WHERE ("Total $" > 0)');
  });
});

describe('normalizeTriggerDefinition', () => {
  it('removes the trigger name and the redundant parentheses of WHEN, and says EXECUTE FUNCTION', () => {
    // Prepare
    const printed = "CREATE TRIGGER audit BEFORE UPDATE ON app.orders FOR EACH ROW WHEN ((new.total > 0)) EXECUTE PROCEDURE app.trg('audit')";

    // Act
    const normalized = normalizeTriggerDefinition(printed, 'audit');

    // Assess
    expect(normalized).toBe("CREATE TRIGGER BEFORE UPDATE ON app.orders FOR EACH ROW WHEN (new.total > 0) EXECUTE FUNCTION app.trg('audit')");
  });
});

describe('normalizeViewDefinition', () => {
  it('prints a single-relation view of PostgreSQL 15 as PostgreSQL 16 and newer do', () => {
    // Prepare
    const pg15 = ' SELECT orders.customer_id,\n    sum(orders.total) AS s\n   FROM app.orders\n  WHERE (orders.qty > 1)\n  GROUP BY orders.customer_id\n  ORDER BY orders.customer_id;';
    const pg16 = ' SELECT customer_id,\n    sum(total) AS s\n   FROM app.orders\n  WHERE (qty > 1)\n  GROUP BY customer_id\n  ORDER BY customer_id;';

    // Act
    const [from15, from16] = [normalizeViewDefinition(pg15), normalizeViewDefinition(pg16)];

    // Assess
    expect(from15).toBe('SELECT customer_id, sum(total) AS s FROM app.orders WHERE (qty > 1) GROUP BY customer_id ORDER BY customer_id');
    expect(from16).toBe(from15);
  });

  it('uses the alias of the single relation, and of a subquery in FROM', () => {
    // Prepare
    const aliased = ' SELECT x.id\n   FROM app.t x\n  WHERE (x.b > 1);';
    const subquery = ' SELECT s.id\n   FROM ( SELECT t.id\n           FROM app.t) s;';

    // Act
    const [fromAlias, fromSubquery] = [normalizeViewDefinition(aliased), normalizeViewDefinition(subquery)];

    // Assess
    expect(fromAlias).toBe('SELECT id FROM app.t x WHERE (b > 1)');
    expect(fromSubquery).toBe('SELECT id FROM (SELECT t.id FROM app.t) s');
  });

  it('keeps qualifiers inside subqueries, on function names, types and whole-row references', () => {
    // Prepare
    const printed =
      ' SELECT t.*::app.t AS t,\n    app.f(t.id) AS f,\n    ( SELECT max(u.c) FROM app.u WHERE (u.id = t.id)) AS m\n   FROM app.t;';

    // Act
    const normalized = normalizeViewDefinition(printed);

    // Assess
    expect(normalized).toBe('SELECT t.*::app.t AS t, app.f(id) AS f, (SELECT max(u.c) FROM app.u WHERE (u.id = t.id)) AS m FROM app.t');
  });

  it('leaves joins and set operations alone, since every version qualifies them', () => {
    // Prepare
    const join = ' SELECT o.id\n   FROM (app.orders o\n     JOIN app.customers c ON ((c.id = o.customer_id)));';
    const union = ' SELECT t.id\n   FROM app.t\nUNION ALL\n SELECT u.id\n   FROM app.u;';

    // Act
    const [fromJoin, fromUnion] = [normalizeViewDefinition(join), normalizeViewDefinition(union)];

    // Assess
    expect(fromJoin).toBe('SELECT o.id FROM (app.orders o JOIN app.customers c ON ((c.id = o.customer_id)))');
    expect(fromUnion).toBe('SELECT t.id FROM app.t UNION ALL SELECT u.id FROM app.u');
  });

  it('unqualifies quoted names of a quoted single relation', () => {
    // Prepare
    const printed = ' SELECT "Tabelle ünï"."Total $"\n   FROM "Weird ""Schema"""."Tabelle ünï";';

    // Act
    const normalized = normalizeViewDefinition(printed);

    // Assess
    expect(normalized).toBe('SELECT "Total $" FROM "Weird ""Schema"""."Tabelle ünï"');
  });
});
