package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/schema"
)

// policies reads row-level security (one query): the ENABLE and FORCE
// switches of each table and its policies, with their expressions as
// pg_get_expr deparses them and their roles by name.
func (in *inspector) policies(ctx context.Context) error {
	return in.query(ctx, "policies", nsCTE+`
SELECT c.oid, c.relrowsecurity, c.relforcerowsecurity, coalesce(p.polname, ''), coalesce(p.polpermissive, true),
  coalesce(p.polcmd::text, ''),
  coalesce((SELECT json_agg(x.name ORDER BY x.name) FROM (SELECT CASE WHEN r.oid = 0 THEN 'public'
    ELSE (SELECT rolname FROM pg_roles WHERE oid = r.oid) END AS name FROM unnest(p.polroles) r(oid)) x), '[]'),
  coalesce(pg_get_expr(p.polqual, p.polrelid), ''), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''),
  coalesce(ds.description, '')
FROM pg_class c
LEFT JOIN pg_policy p ON p.polrelid = c.oid
LEFT JOIN pg_description ds ON ds.objoid = p.oid AND ds.classoid = 'pg_policy'::regclass AND ds.objsubid = 0
WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')
  AND (c.relrowsecurity OR c.relforcerowsecurity OR p.oid IS NOT NULL)
ORDER BY c.oid, p.polname`, []any{in.schema}, func(rows *sql.Rows) error {
		var (
			oid        int64
			rls, force bool
			permissive bool
			cmd        string
			roles      []byte
			p          = &schema.Policy{}
		)
		if err := rows.Scan(&oid, &rls, &force, &p.Name, &permissive, &cmd, &roles, &p.Using, &p.Check, &p.Comment); err != nil {
			return err
		}
		t, ok := in.byOID[oid]
		if !ok {
			return nil
		}
		t.RowSecurity, t.ForceRowSecurity = rls, force
		if p.Name == "" {
			return nil
		}
		if err := json.Unmarshal(roles, &p.Roles); err != nil {
			return err
		}
		p.Restrictive = !permissive
		p.Command = map[string]string{"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}[cmd]
		t.Policies = append(t.Policies, p)
		return nil
	})
}

// createPolicy returns CREATE POLICY for p on table.
func createPolicy(table string, p *schema.Policy) string {
	var b strings.Builder
	b.WriteString("CREATE POLICY " + quote(p.Name) + " ON " + quote(table))
	if p.Restrictive {
		b.WriteString(" AS RESTRICTIVE")
	}
	if p.Command != "" && p.Command != "ALL" {
		b.WriteString(" FOR " + p.Command)
	}
	if len(p.Roles) > 0 && !(len(p.Roles) == 1 && p.Roles[0] == "public") {
		roles := make([]string, len(p.Roles))
		for i, r := range p.Roles {
			roles[i] = quote(r)
			if r == "public" {
				roles[i] = "PUBLIC"
			}
		}
		b.WriteString(" TO " + strings.Join(roles, ", "))
	}
	if p.Using != "" {
		b.WriteString(" USING (" + p.Using + ")")
	}
	if p.Check != "" {
		b.WriteString(" WITH CHECK (" + p.Check + ")")
	}
	return b.String()
}

// policySteps returns the statements that create p on table: CREATE
// POLICY and its comment.
func policySteps(table string, p *schema.Policy) []dialect.Step {
	out := []dialect.Step{{SQL: createPolicy(table, p)}}
	if p.Comment != "" {
		out = append(out, dialect.Step{SQL: commentOn("POLICY", quote(p.Name)+" ON "+quote(table), p.Comment)})
	}
	return out
}

func dropPolicy(table string, p *schema.Policy) string {
	return "DROP POLICY " + quote(p.Name) + " ON " + quote(table)
}

// rowSecurity returns the ALTER TABLE statements that turn table's
// row-level security switches from from's to to's (from nil: a new
// table, whose switches are off).
func rowSecurity(from, to *schema.Table) []string {
	var out []string
	var rls, force bool
	if from != nil {
		rls, force = from.RowSecurity, from.ForceRowSecurity
	}
	if rls != to.RowSecurity {
		out = append(out, alter(to.Name)+map[bool]string{true: "ENABLE", false: "DISABLE"}[to.RowSecurity]+" ROW LEVEL SECURITY")
	}
	if force != to.ForceRowSecurity {
		out = append(out, alter(to.Name)+map[bool]string{true: "FORCE", false: "NO FORCE"}[to.ForceRowSecurity]+" ROW LEVEL SECURITY")
	}
	return out
}

// rowSecuritySQL returns the statements of SQL() for row-level security:
// the switches and the policies of every table.
func rowSecuritySQL(s *schema.Schema) []string {
	var out []string
	for _, t := range s.Tables {
		out = append(out, rowSecurity(nil, t)...)
		for _, p := range t.Policies {
			for _, st := range policySteps(t.Name, p) {
				out = append(out, st.SQL)
			}
		}
	}
	return out
}
