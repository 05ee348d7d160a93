package db_test

import (
	"context"
	"testing"

	"github.com/bbhost/bbhost/host/db"
)

// fixture is a master, builder, worker, buildset with one request, a build
// and a step, for tests that need rows to hang things on.
type fixture struct {
	master, builder, worker, bsid, brid, build, step int64
}

func newFixture(t testing.TB, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.master, err = d.Masters().FindID(ctx, "m1")
	must(err)
	f.builder, err = d.Builders().FindID(ctx, "b1")
	must(err)
	f.worker, err = d.Workers().FindID(ctx, "w1")
	must(err)
	bs, err := d.Buildsets().Add(ctx, db.BuildsetSpec{
		SourceStamps: []db.SourceStampRef{{Spec: &db.SourceStampSpec{Repository: "r"}}},
		Reason:       "test", BuilderIDs: []int64{f.builder},
	})
	must(err)
	f.bsid, f.brid = bs.Buildset.ID, bs.Requests[0].ID
	b, err := d.Builds().Add(ctx, db.BuildSpec{BuilderID: f.builder, BuildRequestID: f.brid, WorkerID: &f.worker,
		MasterID: f.master, StateString: "created"})
	must(err)
	f.build = b.ID
	s, err := d.Steps().Add(ctx, f.build, "step", "pending")
	must(err)
	f.step = s.ID
	return f
}
