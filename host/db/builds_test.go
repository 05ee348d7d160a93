package db_test

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

// Two masters starting builds of one builder at once get distinct,
// consecutive numbers (unique builds_number, max+1 with retry).
func TestBuildNumberRace(t *testing.T) {
	ctx := context.Background()
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		a, b := twoHandles(t, kind)
		f := newFixture(t, a)
		const n = 20
		numbers := make([]int64, 0, 2*n)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, h := range []*db.DB{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					bd, err := h.Builds().Add(ctx, db.BuildSpec{BuilderID: f.builder, BuildRequestID: f.brid,
						MasterID: f.master, StateString: "created"})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					numbers = append(numbers, bd.Number)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		sort.Slice(numbers, func(i, j int) bool { return numbers[i] < numbers[j] })
		for i, num := range numbers {
			if num != int64(i+2) { // the fixture's build is number 1
				t.Fatalf("build numbers %v", numbers)
			}
		}
	})
}

func TestBuildDataAndProperties(t *testing.T) {
	ctx := context.Background()
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		bs := d.Builds()
		if err := bs.SetData(ctx, f.build, "coverage", []byte{0, 1, 2}, "step"); err != nil {
			t.Fatal(err)
		}
		if err := bs.SetData(ctx, f.build, "coverage", []byte("new"), "step2"); err != nil {
			t.Fatal(err)
		}
		got, err := bs.Data(ctx, f.build, "coverage")
		if err != nil || string(got.Value) != "new" || got.Length != 3 || got.Source != "step2" {
			t.Fatalf("build data %+v %v", got, err)
		}
		if list, _ := bs.DataList(ctx, f.build); len(list) != 1 || list[0].Value != nil {
			t.Fatalf("data list %+v", list)
		}
		changed, err := bs.SetProperties(ctx, f.build, db.Properties{"a": {Value: 1, Source: "x"}, "b": {Value: []any{"l"}, Source: "y"}})
		if err != nil || len(changed) != 2 {
			t.Fatalf("first properties: %v %v", changed, err)
		}
		changed, err = bs.SetProperties(ctx, f.build, db.Properties{"a": {Value: 1, Source: "x"}, "b": {Value: []any{"l"}, Source: "z"}})
		if err != nil || len(changed) != 1 || changed["b"].Source != "z" {
			t.Fatalf("changed properties: %v %v", changed, err)
		}
		props, err := bs.Properties(ctx, f.build)
		if err != nil || props["a"].Value != float64(1) || props["b"].Source != "z" {
			t.Fatalf("properties %v %v", props, err)
		}
		if n, err := bs.DeleteOldData(ctx, 1<<40); err != nil || n != 0 {
			t.Fatalf("data of a running build deleted: %d %v", n, err)
		}
		if _, err := bs.Finish(ctx, f.build, 0, 100); err != nil {
			t.Fatal(err)
		}
		if n, err := bs.DeleteOldData(ctx, 101); err != nil || n != 1 {
			t.Fatalf("old data: %d %v", n, err)
		}
	})
}
