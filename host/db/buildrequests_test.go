package db_test

import (
	"context"
	"sync"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/results"
)

// twoHandles opens the kind's database twice, as two masters would (one
// handle for in-memory SQLite, which is private to its connector).
func twoHandles(t *testing.T, kind dbtest.Kind) (*db.DB, *db.DB) {
	t.Helper()
	u := dbtest.URL(t, kind)
	a := dbtest.OpenURL(t, u, db.Options{})
	if _, _, err := a.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	if kind == dbtest.SQLiteMemory {
		return a, a
	}
	b := dbtest.OpenURL(t, u, db.Options{})
	if err := b.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestClaimRace(t *testing.T) {
	ctx := context.Background()
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		a, b := twoHandles(t, kind)
		f := newFixture(t, a)
		m2, err := b.Masters().FindID(ctx, "m2")
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		var brids []int64
		for i := 0; i < n; i++ {
			bs, err := a.Buildsets().Add(ctx, db.BuildsetSpec{Reason: "r", BuilderIDs: []int64{f.builder}})
			if err != nil {
				t.Fatal(err)
			}
			brids = append(brids, bs.Requests[0].ID)
		}
		wins := [2]map[int64]bool{{}, {}}
		var wg sync.WaitGroup
		for side, h := range []*db.DB{a, b} {
			master := []int64{f.master, m2}[side]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range brids {
					id := brids[i]
					if side == 1 {
						id = brids[len(brids)-1-i]
					}
					// Claim pairs, so all-or-nothing matters too.
					pair := []int64{id, brids[(i*7)%n]}
					_, ok, err := h.BuildRequests().Claim(ctx, master, pair, 100)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						for _, p := range pair {
							wins[side][p] = true
						}
					}
				}
			}()
		}
		wg.Wait()
		for _, id := range brids {
			if wins[0][id] && wins[1][id] {
				t.Errorf("request %d claimed by both masters", id)
			}
			br, err := a.BuildRequests().Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := f.master
			if wins[1][id] {
				want = m2
			}
			if (wins[0][id] || wins[1][id]) != br.Claimed() || (br.Claimed() && *br.ClaimedByMasterID != want) {
				t.Errorf("request %d: claim %+v, wins %v %v", id, br.ClaimedByMasterID, wins[0][id], wins[1][id])
			}
		}
	})
}

func TestClaimUnclaimComplete(t *testing.T) {
	ctx := context.Background()
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		brs := d.BuildRequests()
		got, ok, err := brs.Claim(ctx, f.master, []int64{f.brid}, 50)
		if err != nil || !ok || len(got) != 1 || !got[0].Claimed() || *got[0].ClaimedAt != 50 {
			t.Fatalf("claim: %+v %v %v", got, ok, err)
		}
		if _, ok, err := brs.Claim(ctx, f.master+1, []int64{f.brid}, 51); ok || err != nil {
			t.Fatalf("second claim: %v %v", ok, err)
		}
		// Unclaim by another master's id leaves the claim alone.
		after, err := brs.Unclaim(ctx, f.master+1, []int64{f.brid})
		if err != nil || !after[0].Claimed() {
			t.Fatalf("foreign unclaim: %+v %v", after, err)
		}
		unclaimed := false
		list, err := brs.List(ctx, db.BuildRequestFilter{Claimed: &unclaimed})
		if err != nil || len(list) != 0 {
			t.Fatalf("unclaimed list: %v %v", list, err)
		}
		after, err = brs.Unclaim(ctx, f.master, []int64{f.brid})
		if err != nil || after[0].Claimed() {
			t.Fatalf("unclaim: %+v %v", after, err)
		}
		if list, _ := brs.List(ctx, db.BuildRequestFilter{Claimed: &unclaimed}); len(list) != 1 {
			t.Fatalf("unclaimed list after unclaim: %v", list)
		}
		// Housekeeping deletes the claims of the given master only.
		bs2, _ := d.Buildsets().Add(ctx, db.BuildsetSpec{Reason: "r", BuilderIDs: []int64{f.builder}})
		other := bs2.Requests[0].ID
		if _, ok, _ := brs.Claim(ctx, f.master, []int64{f.brid}, 60); !ok {
			t.Fatal("reclaim failed")
		}
		m2, _ := d.Masters().FindID(ctx, "m2")
		if _, ok, _ := brs.Claim(ctx, m2, []int64{other}, 60); !ok {
			t.Fatal("claim by other master failed")
		}
		freed, err := brs.UnclaimAllForMaster(ctx, f.master)
		if err != nil || len(freed) != 1 || freed[0].ID != f.brid || freed[0].Claimed() {
			t.Fatalf("UnclaimAllForMaster: %+v %v", freed, err)
		}
		if br, _ := brs.Get(ctx, other); !br.Claimed() {
			t.Fatal("other master's claim deleted")
		}
		// Complete: all or nothing.
		done, ok, err := brs.Complete(ctx, []int64{f.brid, other}, results.Success, 70)
		if err != nil || !ok || len(done) != 2 || !done[0].Complete || *done[0].CompleteAt != 70 {
			t.Fatalf("complete: %+v %v %v", done, ok, err)
		}
		bs3, _ := d.Buildsets().Add(ctx, db.BuildsetSpec{Reason: "r", BuilderIDs: []int64{f.builder}})
		third := bs3.Requests[0].ID
		if _, ok, err := brs.Complete(ctx, []int64{third, f.brid}, results.Failure, 80); ok || err != nil {
			t.Fatalf("completing a complete request: %v %v", ok, err)
		}
		if br, _ := brs.Get(ctx, third); br.Complete {
			t.Fatal("partial completion committed")
		}
		// The buildset completes with the worst result once all are done.
		if bs, err := d.Buildsets().MaybeComplete(ctx, f.bsid, 90); err != nil || bs == nil || !bs.Complete || *bs.Results != results.Success {
			t.Fatalf("MaybeComplete: %+v %v", bs, err)
		}
		if bs, err := d.Buildsets().MaybeComplete(ctx, f.bsid, 91); err != nil || bs != nil {
			t.Fatalf("second MaybeComplete: %+v %v", bs, err)
		}
		if bs, err := d.Buildsets().MaybeComplete(ctx, bs3.Buildset.ID, 91); err != nil || bs != nil {
			t.Fatalf("MaybeComplete with a pending request: %+v %v", bs, err)
		}
	})
}

func TestFindOrCreateRace(t *testing.T) {
	ctx := context.Background()
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		a, b := twoHandles(t, kind)
		type finder func(h *db.DB, i int) (int64, error)
		for name, find := range map[string]finder{
			"builder":   func(h *db.DB, i int) (int64, error) { return h.Builders().FindID(ctx, "bld") },
			"master":    func(h *db.DB, i int) (int64, error) { return h.Masters().FindID(ctx, "mst") },
			"worker":    func(h *db.DB, i int) (int64, error) { return h.Workers().FindID(ctx, "wrk") },
			"scheduler": func(h *db.DB, i int) (int64, error) { return h.Schedulers().FindID(ctx, "sch") },
			"source":    func(h *db.DB, i int) (int64, error) { return h.ChangeSources().FindID(ctx, "cs") },
			"object":    func(h *db.DB, i int) (int64, error) { return h.State().ObjectID(ctx, "obj", "Cls") },
			"stamp": func(h *db.DB, i int) (int64, error) {
				return h.SourceStamps().FindID(ctx, db.SourceStampSpec{Repository: "r", Codebase: "c"})
			},
			"user": func(h *db.DB, i int) (int64, error) { return h.Users().FindByAttr(ctx, "joe", "git", "joe <j@x>") },
		} {
			ids := make([]int64, 8)
			var wg sync.WaitGroup
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h := a
					if i%2 == 1 {
						h = b
					}
					var err error
					if ids[i], err = find(h, i); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}()
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] || id == 0 {
					t.Errorf("%s: ids %v", name, ids)
					break
				}
			}
		}
	})
}
