package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

var allTables = []string{
	"masters", "changes", "change_files", "change_properties", "change_users", "sourcestamps",
	"patches", "buildsets", "buildset_properties", "buildset_sourcestamps", "buildrequests",
	"buildrequest_claims", "builders", "builder_masters", "tags", "builders_tags", "builds",
	"build_properties", "build_data", "steps", "logs", "logchunks", "workers", "configured_workers",
	"connected_workers", "schedulers", "scheduler_masters", "scheduler_changes", "changesources",
	"changesource_masters", "users", "users_info", "objects", "object_state", "test_result_sets",
	"test_results", "test_names", "test_code_paths", "projects",
}

func TestUpgradeFresh(t *testing.T) {
	ctx := context.Background()
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		d := dbtest.OpenURL(t, dbtest.URL(t, kind), db.Options{})
		v, err := d.SchemaVersion(ctx)
		if err != nil || v != 0 {
			t.Fatalf("empty database: version %d, %v", v, err)
		}
		if err := d.Check(ctx); !errors.Is(err, db.ErrSchemaOlder) {
			t.Fatalf("Check on empty database: %v", err)
		}
		from, to, err := d.Upgrade(ctx)
		if err != nil || from != 0 || to != db.SchemaVersion {
			t.Fatalf("Upgrade: %d → %d, %v", from, to, err)
		}
		for _, tbl := range allTables {
			var n int
			if err := d.QueryRow(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil || n != 0 {
				t.Errorf("table %s: %d rows, %v", tbl, n, err)
			}
		}
		// A second Upgrade is a no-op.
		from, to, err = d.Upgrade(ctx)
		if err != nil || from != db.SchemaVersion || to != db.SchemaVersion {
			t.Fatalf("second Upgrade: %d → %d, %v", from, to, err)
		}
		if err := d.Check(ctx); err != nil {
			t.Fatalf("Check: %v", err)
		}
	})
}

// Every registered statement must be valid SQL on both dialects: SQLite
// proves it by preparing them all in Upgrade; PostgreSQL here.
func TestStatementsPrepare(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.Postgres, db.Options{})
	for _, q := range db.RegistrySQL(db.Postgres) {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "PREPARE bbhost_check AS "+q); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "DEALLOCATE bbhost_check")
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestUpgradeFromV1KeepsData(t *testing.T) {
	ctx := context.Background()
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		d := dbtest.OpenURL(t, dbtest.URL(t, kind), db.Options{})
		if _, to, err := d.UpgradeTo(ctx, 1); err != nil || to != 1 {
			t.Fatalf("UpgradeTo(1): %d, %v", to, err)
		}
		if _, err := d.Exec(ctx, "INSERT INTO builders (name, description, name_hash) VALUES ($1, $2, $3)",
			"b1", "first", db.HashColumns("b1")); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, "INSERT INTO projects (name) VALUES ('x')"); err == nil {
			t.Fatal("projects exists at version 1")
		}
		from, to, err := d.Upgrade(ctx)
		if err != nil || from != 1 || to != db.SchemaVersion {
			t.Fatalf("Upgrade: %d → %d, %v", from, to, err)
		}
		b, err := d.Builders().Get(ctx, 1)
		if err != nil || b == nil || b.Name != "b1" || *b.Description != "first" || b.ProjectID != nil {
			t.Fatalf("builder after upgrade: %+v, %v", b, err)
		}
		pid, err := d.Projects().FindID(ctx, "proj")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Builders().UpdateInfo(ctx, 1, db.BuilderInfo{ProjectID: &pid}); err != nil {
			t.Fatal(err)
		}
		if b, _ := d.Builders().Get(ctx, 1); b.ProjectID == nil || *b.ProjectID != pid {
			t.Fatalf("projectid not stored: %+v", b)
		}
	})
}

func TestUpgradeRefusesNewer(t *testing.T) {
	ctx := context.Background()
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		d := dbtest.Open(t, kind, db.Options{})
		if _, err := d.Exec(ctx, "UPDATE bbhost_version SET version = 7"); err != nil {
			t.Fatal(err)
		}
		_, _, err := d.Upgrade(ctx)
		if !errors.Is(err, db.ErrSchemaNewer) {
			t.Fatalf("Upgrade of a newer database: %v", err)
		}
		want := fmt.Sprintf("database schema version 7 is newer than this bbhost (schema %d); upgrade bbhost", db.SchemaVersion)
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("message %q lacks %q", err, want)
		}
		if err := d.Check(ctx); !errors.Is(err, db.ErrSchemaNewer) {
			t.Fatalf("Check: %v", err)
		}
	})
}

func TestUpgradeRefusesForeignDatabase(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenURL(t, dbtest.URL(t, dbtest.SQLiteFile), db.Options{})
	if _, err := d.Exec(ctx, "CREATE TABLE alembic_version (version_num VARCHAR(32))"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Upgrade(ctx); err == nil || !strings.Contains(err.Error(), "not a bbhost database") {
		t.Fatalf("Upgrade of a Buildbot database: %v", err)
	}
}
